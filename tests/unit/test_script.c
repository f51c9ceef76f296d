/* The boot script: what u-boot is told to do, and quoting of what goes into it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "script.h"

#define MiB(n) ((uint64_t)(n) << 20)

static struct platform platform;
static struct domain_config dom0;
static struct boot_plan plan;

static struct domain_config domd;
static const struct pt_plan *domd_passthrough;

/* The platform's guest_devices and disabled_nodes, for the next render. */
static struct platform_node guest_devices[PLATFORM_MAX_NODES], disabled_nodes[PLATFORM_MAX_NODES];
static size_t n_guest_devices, n_disabled_nodes;
/* Whether the next render's kernel (Dom0's and DomD's) is gzip-compressed. */
static bool kernel_gzip;
/* The next render's CPU pools, and the host's CPUs they name. */
static struct platform_cpupool cpupools[PLATFORM_MAX_CPUPOOLS];
static size_t n_cpupools;
static struct boot_cpupools host_cpus;
/* The next render's static channels; NULL: none. */
static const struct boot_links *render_links;
/* The second boot-time domain of render_with(2). */
static struct domain_config guest;

#define OR_STOP " || setenv pixen_stop 1"

/*
 * Every edit of the tree that no `if` checks must stop the boot when it
 * fails (u-boot would otherwise start Xen on a half-made tree): each such
 * line ends in OR_STOP. The other tests read the script without it.
 */
static void strip_or_stop(char *text)
{
    char *in = text, *out = text;

    while (*in) {
        char *end = strchr(in, '\n');
        size_t len = end ? (size_t)(end - in) : strlen(in), tail = strlen(OR_STOP);

        if (strncmp(in, "fdt ", 4) == 0) {
            if (len < tail || strncmp(in + len - tail, OR_STOP, tail) != 0)
                fail_msg("an unchecked edit of the tree: %.*s", (int)len, in);
            memmove(out, in, len - tail);
            out += len - tail;
        } else {
            memmove(out, in, len);
            out += len;
        }
        in += len;
        if (*in == '\n')
            *out++ = *in++;
    }
    *out = '\0';
}

static char *render_with(unsigned n_domains)
{
    struct boot_file xen = {.name = "xen", .size_bytes = 983048};
    struct boot_file kernel = {.name = "Image", .size_bytes = MiB(30)};
    struct boot_file ramdisk = {.name = "dom0-initramfs.cpio.gz", .size_bytes = MiB(3)};
    struct xu_err err = {{0}};
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);

    xen.image =
        (struct image_info){.kind = IMAGE_ARM64, .image_size_bytes = 0x10e000, .anywhere = true};
    kernel.image = (struct image_info){.kind = kernel_gzip ? IMAGE_GZIP : IMAGE_ARM64,
                                       .anywhere = !kernel_gzip};
    if (kernel_gzip)
        strcpy(kernel.name, "Image.gz");
    memset(&platform, 0, sizeof(platform));
    strcpy(platform.name, "qemu");
    strcpy(platform.source, "platform/qemu/platform.cfg");
    platform.ram_base_addr = 0x40000000;
    platform.ram_size_bytes = MiB(2048);
    platform.reserved[0] = (struct region){0x40000000, MiB(1), "firmware device tree"};
    platform.n_reserved = 1;
    strcpy(platform.fdt_var, "fdt_addr");
    platform.fdt_max_bytes = MiB(1);
    strcpy(platform.xen_cmdline, "console=dtuart");
    memcpy(platform.guest_devices, guest_devices, sizeof(guest_devices));
    platform.n_guest_devices = n_guest_devices;
    memcpy(platform.disabled_nodes, disabled_nodes, sizeof(disabled_nodes));
    platform.n_disabled_nodes = n_disabled_nodes;
    memcpy(platform.cpupools, cpupools, sizeof(cpupools));
    platform.n_cpupools = n_cpupools;
    memset(&dom0, 0, sizeof(dom0));
    dom0.memory_mib = dom0.maxmem_mib = 128;
    dom0.vcpus = 1;
    strcpy(dom0.cmdline, "console=hvc0 pixen.note=\"a $b\"");
    struct boot_files files = {.xen = &xen, .kernel = &kernel, .ramdisk = &ramdisk};

    if (!n_domains)
        memset(&domd, 0, sizeof(domd));
    strcpy(domd.source, "domd.cfg");
    strcpy(domd.name, "DomD");
    domd.memory_mib = domd.maxmem_mib = 256;
    domd.vcpus = 1;
    domd.vuart = VUART_SBSA;
    strcpy(domd.cmdline, "console=ttyAMA0");
    files.domains[0] =
        (struct boot_domain_files){&domd, "domd.cfg", &kernel, &ramdisk, NULL, domd_passthrough};
    files.domains[1] =
        (struct boot_domain_files){&guest, "rt_jitter.cfg", &kernel, NULL, NULL, NULL};
    files.n_domains = n_domains;

    if (plan_boot(&platform, &dom0, &files, &plan, &err) < 0)
        fail_msg("%s", err.msg);
    plan.cpupools = &host_cpus;
    plan.links = render_links;
    if (script_write(&plan, out, &err) < 0)
        fail_msg("%s", err.msg);
    fclose(out);
    strip_or_stop(text);
    return text;
}

static char *render(void)
{
    return render_with(0);
}

static void assert_has(const char *text, const char *line)
{
    if (!strstr(text, line)) {
        fprintf(stderr, "missing from the script:\n%s\n--- script:\n%s", line, text);
        fail();
    }
}

static void test_script_loads_each_file_and_boots_xen(void **state)
{
    (void)state;
    char *s = render();

    assert_has(s, "if load ${devtype} ${devnum}:${distro_bootpart} 0x40200000 xen; then true; "
                  "else\n    echo \"pixen: cannot load xen\"; setenv pixen_stop 1; exit; fi\n");
    assert_has(s, "if itest 0x${filesize} -gt 0x200000; then\n");
    assert_has(s, "load ${devtype} ${devnum}:${distro_bootpart} 0x40600000 Image;");
    assert_has(s, "load ${devtype} ${devnum}:${distro_bootpart} 0x42400000 "
                  "dom0-initramfs.cpio.gz;");
    assert_has(s, "if fdt move ${fdt_addr} 0x40400000 0x110000; then true; else\n");
    assert_has(s, "fdt addr 0x40400000\n");
    assert_has(s, "fdt set /chosen \\#address-cells <0x2>\n");
    assert_has(s, "fdt set /chosen xen,xen-bootargs 'console=dtuart dom0_mem=128M,max:128M "
                  "dom0_max_vcpus=1'\n");
    assert_has(s, "fdt mknode /chosen module@40600000\n");
    assert_has(s, "fdt set /chosen/module@40600000 compatible \"multiboot,kernel\" "
                  "\"multiboot,module\"\n");
    assert_has(s, "fdt set /chosen/module@40600000 reg <0x0 0x40600000 0x0 ${pixen_size1}>\n");
    assert_has(s, "fdt set /chosen/module@40600000 bootargs 'console=hvc0 "
                  "pixen.note=\"a $b\"'\n");
    assert_has(s, "fdt set /chosen/module@42400000 compatible \"multiboot,ramdisk\" "
                  "\"multiboot,module\"\n");
    /*
     * A failed check sets pixen_stop (u-boot's exit inside an if does not end the
     * script), which the script clears first and tests before starting Xen.
     */
    assert_has(s, "\nsetenv pixen_stop\necho \"pixen: loading Xen");
    assert_has(s, "if test -n \"${pixen_stop}\"; then\n"
                  "    echo \"pixen: not starting Xen: see the message above\"\n"
                  "else\n"
                  "    echo \"pixen: starting Xen\"\n"
                  "    booti 0x40200000 - 0x40400000\n"
                  "    echo \"pixen: booti of Xen failed\"\nfi\n");
    /* The map in the header names what lies where. */
    assert_has(s, "#   0x040000000    1024 KiB  firmware device tree\n");
    assert_has(s, "#   0x040600000   30720 KiB  dom0 kernel (Image)\n");
    free(s);
}

static int count(const char *text, const char *what)
{
    int n = 0;

    for (const char *p = strstr(text, what); p; p = strstr(p + 1, what))
        n++;
    return n;
}

static void test_a_boot_time_domain_is_a_xen_domain_node_with_its_modules(void **state)
{
    (void)state;
    char *s = render_with(1);

    assert_has(s, "\n# DomD, from domd.cfg: started by Xen at boot\n"
                  "fdt mknode /chosen DomD\n"
                  "fdt set /chosen/DomD compatible \"xen,domain\"\n"
                  "fdt set /chosen/DomD \\#address-cells <0x2>\n"
                  "fdt set /chosen/DomD \\#size-cells <0x2>\n"
                  "fdt set /chosen/DomD memory <0x0 0x40000>\n"
                  "fdt set /chosen/DomD cpus <0x1>\n"
                  "fdt set /chosen/DomD vpl011\n"
                  "fdt set /chosen/DomD xen,enhanced \"enabled\"\n"
                  "fdt set /chosen/DomD pixen,config 'domd.cfg'\n");
    /* Its kernel and ramdisk are Dom0's files: loaded once, named by both domains. */
    assert_has(s, "fdt mknode /chosen/DomD module@40600000\n"
                  "fdt set /chosen/DomD/module@40600000 compatible \"multiboot,kernel\" "
                  "\"multiboot,module\"\n"
                  "fdt set /chosen/DomD/module@40600000 reg <0x0 0x40600000 0x0 ${pixen_size1}>\n"
                  "fdt set /chosen/DomD/module@40600000 bootargs 'console=ttyAMA0'\n");
    assert_has(s, "fdt set /chosen/DomD/module@42400000 compatible \"multiboot,ramdisk\" "
                  "\"multiboot,module\"\n"
                  "fdt set /chosen/DomD/module@42400000 reg <0x0 0x42400000 0x0 ${pixen_size2}>\n");
    assert_has(s, "\n# DomD kernel: Image, as loaded for the dom0 kernel\n");
    assert_int_equal(count(s, " Image; then"), 1);
    free(s);
    domd.static_mem[0] = (struct mem_bank){0x60000000, MiB(256)};
    domd.n_static_mem = 1;
    domd.direct_map = true;
    s = render_with(1);
    assert_has(s, "fdt set /chosen/DomD vpl011\n"
                  "fdt set /chosen/DomD xen,static-mem <0x0 0x60000000 0x0 0x10000000>\n"
                  "fdt set /chosen/DomD direct-map\n");
    assert_has(s, "bootargs 'console=ttyAMA0 mem=260096K'\n");
    /* Xen builds every boot-time domain and starts it, unless Dom0 is to. */
    assert_int_equal(count(s, "pixen,start-paused"), 0);
    free(s);
    domd.start_after_dom0 = true;
    s = render_with(1);
    assert_has(s, "fdt set /chosen/DomD pixen,config 'domd.cfg'\n"
                  "fdt set /chosen/DomD pixen,start-paused\n");
    domd.start_after_dom0 = false;
    /* Dom0's modules stay directly under /chosen, before the domain's node. */
    assert_true(strstr(s, "fdt mknode /chosen module@42400000") <
                strstr(s, "fdt mknode /chosen DomD"));
    free(s);
}

/*
 * Xen 4.17 unpacks a gzip kernel out of its module and frees the module, so
 * a second domain naming it would find nothing: boot.scr reads the file once
 * and copies it in RAM to a module of the second domain's own.
 */
static void test_a_gzip_kernel_two_domains_boot_is_read_once_and_copied(void **state)
{
    (void)state;
    kernel_gzip = true;
    memset(&domd, 0, sizeof(domd));
    char *s = render_with(1);
    kernel_gzip = false;

    assert_int_equal(count(s, " Image.gz; then"), 1);
    assert_has(s,
               "\n# DomD kernel: a copy of the dom0 kernel's Image.gz (Xen unpacks a gzip "
               "kernel in place)\n"
               "if cp.b 0x40600000 0x42800000 ${pixen_size1}; then true; else\n"
               "    echo \"pixen: cannot copy Image.gz for the DomD kernel\"; setenv pixen_stop 1; "
               "exit; fi\n"
               "setenv pixen_size3 ${pixen_size1}\n");
    assert_has(s, "fdt set /chosen/DomD/module@42800000 reg <0x0 0x42800000 0x0 ${pixen_size3}>\n");
    /* The ramdisk is not unpacked in place: shared. */
    assert_has(s, "fdt set /chosen/DomD/module@42400000 reg <0x0 0x42400000 0x0 ${pixen_size2}>\n");
    assert_has(s, "#   0x042800000   30720 KiB  DomD kernel (Image.gz, copied: Xen unpacks it in "
                  "place)\n");
    free(s);
}

static void test_nodes_the_platform_keeps_for_guests_or_switches_off(void **state)
{
    (void)state;
    static struct pt_plan pt = {.devices = {{.path = "/pcie@10000000", .line = 12}},
                                .n_devices = 1};
    const char *guest_lines =
        "\n# /pl061@9030000: kept from Dom0 for the guests it creates (guest_devices)\n"
        "if fdt set /pl061@9030000 xen,passthrough; then true; else\n"
        "    echo \"pixen: the firmware device tree has no /pl061@9030000 (guest_devices)\"; "
        "setenv pixen_stop 1; exit; fi\n";
    const char *disabled_lines =
        "\n# /gpio-keys: would use a device kept for guests (disabled_nodes)\n"
        "if fdt set /gpio-keys status disabled; then true; else\n"
        "    echo \"pixen: the firmware device tree has no /gpio-keys (disabled_nodes)\"; "
        "setenv pixen_stop 1; exit; fi\n";
    struct xu_err err = {{0}};
    char *s, *text = NULL;
    size_t len = 0;
    FILE *out;

    guest_devices[0] = (struct platform_node){"/pl061@9030000", 30};
    n_guest_devices = 1;
    disabled_nodes[0] = (struct platform_node){"/gpio-keys", 31};
    n_disabled_nodes = 1;
    domd_passthrough = &pt;
    memset(&domd, 0, sizeof(domd));
    s = render_with(1);
    assert_has(s, guest_lines);
    assert_has(s, disabled_lines);
    /* On the tree Xen boots with, after DomD's devices and before Xen's command line. */
    assert_true(strstr(s, "fdt addr 0x40400000\n") < strstr(s, "if fdt set /pcie@10000000 "));
    assert_true(strstr(s, "if fdt set /pcie@10000000 ") < strstr(s, guest_lines));
    assert_true(strstr(s, guest_lines) < strstr(s, disabled_lines));
    assert_true(strstr(s, disabled_lines) < strstr(s, "fdt set /chosen xen,xen-bootargs"));
    free(s);

    /* The path goes into boot.scr bare. */
    strcpy(platform.disabled_nodes[0].path, "/gpio-keys;reset");
    out = open_memstream(&text, &len);
    assert_int_equal(script_write(&plan, out, &err), -1);
    fclose(out);
    free(text);
    assert_string_equal(err.msg, "platform/qemu/platform.cfg:31: disabled_nodes: "
                                 "\"/gpio-keys;reset\": a device-tree path in boot.scr may hold "
                                 "letters, digits and , . _ + - @ / only");
    n_guest_devices = n_disabled_nodes = 0;
    domd_passthrough = NULL;
}

/*
 * A pool node names the host's cpu nodes by the phandles boot.scr reads from
 * the tree it boots, and a domain starts in its pool by the pool's phandle.
 * Xen numbers the domains in /chosen's order, and fdt mknode puts a node
 * first: the script makes the last domain first.
 */
static void test_cpu_pools_and_the_domains_in_them(void **state)
{
    (void)state;
    char *s;

    memset(&host_cpus, 0, sizeof(host_cpus));
    host_cpus.n_cpus = 4;
    for (unsigned c = 0; c < 4; c++)
        snprintf(host_cpus.cpu_paths[c], CPUPOOLS_PATH_BYTES, "/cpus/cpu@%u", c);
    memset(cpupools, 0, sizeof(cpupools));
    strcpy(cpupools[0].name, "rt");
    strcpy(cpupools[0].sched, "null");
    strcpy(cpupools[0].cpus_text, "2-3");
    cpuset_add(&cpupools[0].cpus, 2);
    cpuset_add(&cpupools[0].cpus, 3);
    cpupools[0].line = 7;
    n_cpupools = 1;
    memset(&guest, 0, sizeof(guest));
    strcpy(guest.source, "rt_jitter.cfg");
    strcpy(guest.name, "rt_jitter");
    guest.memory_mib = guest.maxmem_mib = 16;
    guest.vcpus = 1;
    guest.vuart = VUART_SBSA;
    strcpy(guest.pool, "rt");
    memset(&domd, 0, sizeof(domd));
    s = render_with(2);
    assert_has(s, "# CPU pool rt: CPUs 2-3, the null scheduler (platform/qemu/platform.cfg:7)\n"
                  "if fdt get value pixen_cpu0 /cpus/cpu@2 phandle; then true; else\n"
                  "    echo \"pixen: the device tree has no phandle for /cpus/cpu@2\"; setenv "
                  "pixen_stop 1; exit; fi\n"
                  "if fdt get value pixen_cpu1 /cpus/cpu@3 phandle; then true; else\n");
    assert_has(s, "fdt mknode /chosen cpupool-rt\n"
                  "fdt set /chosen/cpupool-rt compatible \"xen,cpupool\"\n"
                  "fdt set /chosen/cpupool-rt cpupool-cpus <${pixen_cpu0} ${pixen_cpu1}>\n"
                  "fdt set /chosen/cpupool-rt cpupool-sched \"null\"\n"
                  "fdt set /chosen/cpupool-rt phandle <0xfffff000>\n"
                  "fdt set /chosen/cpupool-rt pixen,pool-name \"rt\"\n"
                  "fdt set /chosen/cpupool-rt pixen,cpus <0x2 0x3>\n");
    assert_has(s, "fdt set /chosen/rt_jitter domain-cpupool <0xfffff000>\n");
    /* DomD, in Pool-0, names no pool. */
    assert_null(strstr(strstr(s, "fdt mknode /chosen DomD"), "domain-cpupool"));
    /* The pool exists before a domain names it; the last domain is made first. */
    assert_true(strstr(s, "fdt mknode /chosen cpupool-rt") <
                strstr(s, "fdt mknode /chosen rt_jitter"));
    assert_true(strstr(s, "fdt mknode /chosen rt_jitter") < strstr(s, "fdt mknode /chosen DomD"));
    free(s);
    n_cpupools = 0;
    memset(&host_cpus, 0, sizeof(host_cpus));
}

/*
 * Static links go under the domain's node, as Xen 4.17 reads them: the
 * region (host, guest, size in two cells each) and role; each channel end
 * with its port, its peer end's phandle and its own. Xen writes no channel
 * into the guest's tree, so its command line carries the port.
 */
static void test_static_links_of_a_boot_time_domain(void **state)
{
    (void)state;
    struct xu_err err = {{0}};
    static struct boot_links links;
    char *s;

    memset(&guest, 0, sizeof(guest));
    strcpy(guest.source, "shm_ping.cfg");
    strcpy(guest.name, "rt_jitter");
    guest.memory_mib = guest.maxmem_mib = 16;
    guest.vcpus = 1;
    strcpy(guest.cmdline, "role=ping");
    if (shm_parse("id=pingpong,host=0xbbe00000,guest=0x7fe00000,size=64K,role=owner", "t",
                  &guest.shm[0], &err) < 0 ||
        evtchn_parse("port=10,peer=shm_pong,peer_port=11", "t", &guest.evtchns[0], &err) < 0)
        fail_msg("%s", err.msg);
    guest.n_shm = guest.n_evtchns = 1;
    memset(&domd, 0, sizeof(domd));
    memset(&links, 0, sizeof(links));
    links.first_end[1] = 2;
    links.peer_end[2] = 5;
    render_links = &links;
    s = render_with(2);
    render_links = NULL;
    assert_has(s, "fdt set /chosen/rt_jitter/module@");
    assert_has(s, " bootargs 'role=ping pixen.evtchn=shm_pong:10'\n");
    assert_has(s, "fdt mknode /chosen/rt_jitter shm-pingpong\n"
                  "fdt set /chosen/rt_jitter/shm-pingpong compatible "
                  "\"xen,domain-shared-memory-v1\"\n"
                  "fdt set /chosen/rt_jitter/shm-pingpong xen,shm-id \"pingpong\"\n"
                  "fdt set /chosen/rt_jitter/shm-pingpong xen,shared-mem <0x0 0xbbe00000 0x0 "
                  "0x7fe00000 0x0 0x10000>\n"
                  "fdt set /chosen/rt_jitter/shm-pingpong role \"owner\"\n");
    assert_has(s, "# rt_jitter's port 10, connected to shm_pong's port 11 (static_evtchn)\n"
                  "fdt mknode /chosen/rt_jitter evtchn-10\n"
                  "fdt set /chosen/rt_jitter/evtchn-10 compatible \"xen,evtchn-v1\"\n"
                  "fdt set /chosen/rt_jitter/evtchn-10 xen,evtchn <0xa 0xfffff105>\n"
                  "fdt set /chosen/rt_jitter/evtchn-10 phandle <0xfffff102>\n");
    free(s);
    memset(&guest, 0, sizeof(guest));
}

static void test_quoting(void **state)
{
    (void)state;
    char out[64];
    struct xu_err err = {{0}};

    /* hush's single quotes: nothing expands, \\ stands for \, '\'' for '. */
    assert_int_equal(script_quote("a \"b\" \\c $d", out, sizeof(out), &err), 0);
    assert_string_equal(out, "'a \"b\" \\\\c $d'");
    assert_int_equal(script_quote("it's", out, sizeof(out), &err), 0);
    assert_string_equal(out, "'it'\\''s'");
    assert_int_equal(script_quote("two\nlines", out, sizeof(out), &err), -1);
    assert_string_equal(err.msg, "\"two\nlines\": a control character cannot go into boot.scr");
    assert_int_equal(script_quote("<sticky>", out, sizeof(out), &err), -1);
    assert_string_equal(err.msg, "\"<sticky>\": fdt set would read a value starting with < as "
                                 "numbers");
    assert_int_equal(script_quote("0123456789012345678901234567890123456789", out, 16, &err), -1);
}

static void test_file_names_load_can_take_as_they_are(void **state)
{
    (void)state;
    struct xu_err err = {{0}};

    assert_int_equal(script_check_file_name("Image", &err), 0);
    assert_int_equal(script_check_file_name("dom0/initramfs-6.1.cpio.gz", &err), 0);
    assert_int_equal(script_check_file_name("my Image", &err), -1);
    assert_string_equal(err.msg, "\"my Image\": boot files are named with letters, digits and . _ "
                                 "- + / only");
    assert_int_equal(script_check_file_name("a;reset", &err), -1);
    assert_int_equal(script_check_file_name("$x", &err), -1);
    assert_int_equal(script_check_file_name("../Image", &err), -1);
    assert_string_equal(err.msg, "\"../Image\": not a plain path on the boot partition");
    assert_int_equal(script_check_file_name("/Image", &err), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_script_loads_each_file_and_boots_xen),
        cmocka_unit_test(test_a_boot_time_domain_is_a_xen_domain_node_with_its_modules),
        cmocka_unit_test(test_a_gzip_kernel_two_domains_boot_is_read_once_and_copied),
        cmocka_unit_test(test_nodes_the_platform_keeps_for_guests_or_switches_off),
        cmocka_unit_test(test_cpu_pools_and_the_domains_in_them),
        cmocka_unit_test(test_static_links_of_a_boot_time_domain),
        cmocka_unit_test(test_quoting),
        cmocka_unit_test(test_file_names_load_can_take_as_they_are),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
