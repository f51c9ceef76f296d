#include "devd_hotplug.h"

#include "wait.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/if_bridge.h>
#include <linux/loop.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define VIF_WAIT_MS 3000

static int is_bridge(const char *name)
{
    char path[64];
    struct stat st;

    snprintf(path, sizeof(path), "/sys/class/net/%s/bridge", name);
    return stat(path, &st) == 0;
}

static int bridge_ioctl(const char *ifname, const char *bridge, unsigned long request,
                        struct xu_err *err)
{
    struct ifreq ifr = {0};
    int sock, rc = 0;

    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", bridge);
    ifr.ifr_ifindex = (int)if_nametoindex(ifname);
    sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock < 0 || !ifr.ifr_ifindex || ioctl(sock, request, &ifr) < 0)
        rc = xu_fail(err, "%s: cannot %s bridge %s: %s", ifname,
                     request == SIOCBRADDIF ? "join" : "leave", bridge, strerror(errno));
    if (sock >= 0)
        close(sock);
    return rc;
}

static int bring_up(const char *ifname, struct xu_err *err)
{
    struct ifreq ifr = {0};
    int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = 0;

    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
    if (sock < 0 || ioctl(sock, SIOCGIFFLAGS, &ifr) < 0 ||
        (ifr.ifr_flags |= IFF_UP, ioctl(sock, SIOCSIFFLAGS, &ifr) < 0))
        rc = xu_fail(err, "%s: cannot bring it up: %s", ifname, strerror(errno));
    if (sock >= 0)
        close(sock);
    return rc;
}

/*
 * Whether a network interface exists, asked of sysfs: asking the kernel by
 * name (if_nametoindex) makes it run modprobe for "netdev-NAME" when there
 * is none, which from DomD's disk took seconds while devd polled.
 */
static bool netdev_exists(const char *name)
{
    char path[PATH_MAX];

    snprintf(path, sizeof(path), "/sys/class/net/%s", name);
    return access(path, F_OK) == 0;
}

int hotplug_vif_join(const char *ifname, const char *bridge, struct xu_err *err)
{
    struct xu_wait w;

    if (!is_bridge(bridge))
        return xu_fail(err, "bridge %s does not exist", bridge);
    xu_wait_begin(&w, VIF_WAIT_MS, 10);
    while (!netdev_exists(ifname))
        if (!xu_wait_again(&w))
            return xu_fail(err, "netback made no interface %s within %u s", ifname,
                           VIF_WAIT_MS / 1000);
    if (bridge_ioctl(ifname, bridge, SIOCBRADDIF, err) < 0)
        return -1;
    return bring_up(ifname, err);
}

void hotplug_vif_leave(const char *ifname, const char *bridge)
{
    struct xu_err ignored;

    if (netdev_exists(ifname) && is_bridge(bridge))
        bridge_ioctl(ifname, bridge, SIOCBRDELIF, &ignored);
}

static int loop_attach(const char *target, int file, bool readonly, dev_t *dev, char *loop,
                       size_t loop_size, struct xu_err *err)
{
    struct loop_info64 info = {0};
    int ctl, n, fd = -1;

    ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
    if (ctl < 0)
        return xu_fail(err, "/dev/loop-control: %s", strerror(errno));
    /* Another process may take the free one first: then ask again. */
    for (int attempt = 0; attempt < 8; attempt++) {
        n = ioctl(ctl, LOOP_CTL_GET_FREE);
        if (n < 0)
            break;
        snprintf(loop, loop_size, "/dev/loop%d", n);
        fd = open(loop, (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
        if (fd >= 0 && ioctl(fd, LOOP_SET_FD, file) == 0)
            break;
        if (fd >= 0)
            close(fd);
        fd = -1;
        if (errno != EBUSY)
            break;
    }
    close(ctl);
    if (fd < 0) {
        loop[0] = '\0';
        return xu_fail(err, "%s: no loop device for it: %s", target, strerror(errno));
    }
    snprintf((char *)info.lo_file_name, sizeof(info.lo_file_name), "%s", target);
    info.lo_flags = readonly ? LO_FLAGS_READ_ONLY : 0;
    if (ioctl(fd, LOOP_SET_STATUS64, &info) < 0) {
        int saved = errno;

        ioctl(fd, LOOP_CLR_FD, 0);
        close(fd);
        loop[0] = '\0';
        return xu_fail(err, "%s: cannot set up %s: %s", target, loop, strerror(saved));
    }
    /* Its own number, not one worked out: loop.max_part changes the minor. */
    struct stat st;
    if (fstat(fd, &st) < 0) {
        int saved = errno;

        ioctl(fd, LOOP_CLR_FD, 0);
        close(fd);
        loop[0] = '\0';
        return xu_fail(err, "%s: %s: %s", target, loop, strerror(saved));
    }
    close(fd);
    *dev = st.st_rdev;
    return 0;
}

/*
 * Two guests writing one file through two loop devices would each corrupt
 * the other's view of it: a file may be shared only read-only by all.
 */
static int check_not_in_use(const char *target, const struct stat *file, bool readonly,
                            struct xu_err *err)
{
    char path[96], backing[PATH_MAX], ro[4];
    struct stat st;

    for (int n = 0; n < 256; n++) {
        FILE *f;
        bool other_ro = false;

        snprintf(path, sizeof(path), "/sys/block/loop%d/loop/backing_file", n);
        f = fopen(path, "r");
        if (!f)
            continue;
        backing[0] = '\0';
        if (!fgets(backing, sizeof(backing), f))
            backing[0] = '\0';
        fclose(f);
        backing[strcspn(backing, "\n")] = '\0';
        if (!backing[0] || stat(backing, &st) < 0 || st.st_dev != file->st_dev ||
            st.st_ino != file->st_ino)
            continue;
        snprintf(path, sizeof(path), "/sys/block/loop%d/ro", n);
        f = fopen(path, "r");
        if (f) {
            other_ro = fgets(ro, sizeof(ro), f) && ro[0] == '1';
            fclose(f);
        }
        if (!readonly || !other_ro)
            return xu_fail(err, "disk target %s is in use already (/dev/loop%d)", target, n);
    }
    return 0;
}

int hotplug_disk_attach(const char *target, bool readonly, dev_t *dev, char *loop, size_t loop_size,
                        struct xu_err *err)
{
    struct stat st;
    int file, rc;

    loop[0] = '\0';
    if (stat(target, &st) < 0)
        return xu_fail(err, "disk target %s: %s", target, strerror(errno));
    if (S_ISBLK(st.st_mode)) {
        *dev = st.st_rdev;
        return 0;
    }
    if (!S_ISREG(st.st_mode))
        return xu_fail(err, "disk target %s is neither a file nor a block device", target);
    if (check_not_in_use(target, &st, readonly, err) < 0)
        return -1;
    file = open(target, (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
    if (file < 0)
        return xu_fail(err, "disk target %s: %s", target, strerror(errno));
    rc = loop_attach(target, file, readonly, dev, loop, loop_size, err);
    close(file);
    return rc;
}

int hotplug_disk_detach(const char *loop, struct xu_err *err)
{
    int fd = open(loop, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return xu_fail(err, "%s: %s", loop, strerror(errno));
    if (ioctl(fd, LOOP_CLR_FD, 0) < 0 && errno != ENXIO) {
        int saved = errno;

        close(fd);
        return xu_fail(err, "%s: cannot free it: %s", loop, strerror(saved));
    }
    close(fd);
    return 0;
}
