/*
 * A watch on a connection of its own, against a fake xenstored on a
 * socketpair: the WATCH request on the wire, an event before the
 * acknowledgement, a refusal, events read one per call, and a xenstored
 * that goes away or answers out of step.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "xsbatch.h"
#include "xswatch.h"

static void send_message(int fd, uint32_t type, uint32_t req_id, const char *payload, size_t len)
{
    uint32_t h[4] = {type, req_id, 0, (uint32_t)len};

    assert_int_equal(write(fd, h, sizeof(h)), sizeof(h));
    if (len)
        assert_int_equal(write(fd, payload, len), (ssize_t)len);
}

static void event(int fd)
{
    send_message(fd, XSW_WATCH_EVENT, 0, "@releaseDomain\0tok", 19);
}

static void pair(int fds[2])
{
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
}

/* A watch set on a fake that acknowledged it at once. */
static void watching(int fds[2], struct xsw *w)
{
    struct xu_err err = {0};

    pair(fds);
    send_message(fds[1], XSW_WATCH, 1, "OK", 3);
    assert_int_equal(xsw_attach(w, fds[0], "@releaseDomain", "tok", &err), 0);
}

/* The request as xenstored would read it: type WATCH, the path and token NUL-ended. */
static void expect_watch_request(int fd, uint32_t *req_id)
{
    uint32_t h[4];
    char payload[64];

    assert_int_equal(read(fd, h, sizeof(h)), sizeof(h));
    assert_int_equal(h[0], XSW_WATCH);
    assert_int_equal(h[2], 0);
    assert_int_equal(h[3], 19);
    assert_int_equal(read(fd, payload, h[3]), 19);
    assert_memory_equal(payload, "@releaseDomain\0tok", 19);
    *req_id = h[1];
}

static void test_the_request_on_the_wire_and_an_event_read(void **state)
{
    struct xu_err err = {0};
    struct xsw w;
    uint32_t req_id;
    int fds[2];

    (void)state;
    pair(fds);
    /* The acknowledgement and an event, queued before the watch reads them. */
    send_message(fds[1], XSW_WATCH, 1, "OK", 3);
    event(fds[1]);
    assert_int_equal(xsw_attach(&w, fds[0], "@releaseDomain", "tok", &err), 0);
    expect_watch_request(fds[1], &req_id);
    assert_int_equal(req_id, 1);
    assert_int_equal(xsw_fd(&w), fds[0]);
    assert_int_equal(xsw_read_event(&w, &err), 1);
    xsw_close(&w);
    assert_int_equal(xsw_fd(&w), -1);
    close(fds[1]);
}

static void test_an_event_before_the_acknowledgement_is_kept(void **state)
{
    struct xu_err err = {0};
    struct xsw w;
    uint32_t req_id;
    int fds[2];

    (void)state;
    pair(fds);
    event(fds[1]);
    send_message(fds[1], XSW_WATCH, 1, "OK", 3);
    assert_int_equal(xsw_attach(&w, fds[0], "@releaseDomain", "tok", &err), 0);
    expect_watch_request(fds[1], &req_id);
    /* Reported without a read: nothing more is on the connection. */
    assert_int_equal(xsw_read_event(&w, &err), 1);
    event(fds[1]);
    event(fds[1]);
    assert_int_equal(xsw_read_event(&w, &err), 1);
    assert_int_equal(xsw_read_event(&w, &err), 1);
    xsw_close(&w);
    close(fds[1]);
}

static void test_a_refused_watch_says_why_and_closes(void **state)
{
    struct xu_err err = {0};
    struct xsw w;
    int fds[2];

    (void)state;
    pair(fds);
    send_message(fds[1], XSB_ERROR, 1, "EACCES", 7);
    assert_int_equal(xsw_attach(&w, fds[0], "@releaseDomain", "tok", &err), -1);
    assert_string_equal(err.msg, "cannot watch @releaseDomain: Permission denied");
    assert_int_equal(xsw_fd(&w), -1);
    /* The watch's end was closed with it. */
    assert_int_equal(write(fds[0], "x", 1), -1);
    close(fds[1]);
}

static void test_an_answer_out_of_step_is_refused(void **state)
{
    struct xu_err err = {0};
    struct xsw w;
    int fds[2];

    (void)state;
    pair(fds);
    send_message(fds[1], XSW_WATCH, 7, "OK", 3);
    assert_int_equal(xsw_attach(&w, fds[0], "@releaseDomain", "tok", &err), -1);
    assert_string_equal(err.msg, "cannot watch @releaseDomain: an answer to request 7, not 1");
    close(fds[1]);
}

static void test_an_acknowledgement_with_request_id_0_is_taken(void **state)
{
    struct xu_err err = {0};
    struct xsw w;
    int fds[2];

    (void)state;
    pair(fds);
    /* What the xenbus device of kernels before 4.15 sent. */
    send_message(fds[1], XSW_WATCH, 0, "OK", 3);
    assert_int_equal(xsw_attach(&w, fds[0], "@releaseDomain", "tok", &err), 0);
    xsw_close(&w);
    close(fds[1]);
}

static void test_a_xenstored_gone_before_the_request_is_an_error_not_sigpipe(void **state)
{
    struct xu_err err = {0};
    struct xsw w;
    int fds[2];

    (void)state;
    pair(fds);
    close(fds[1]);
    assert_int_equal(xsw_attach(&w, fds[0], "@releaseDomain", "tok", &err), -1);
    assert_string_equal(err.msg, "cannot watch @releaseDomain: Broken pipe");
}

static void test_a_xenstored_gone_is_an_error(void **state)
{
    struct xu_err err = {0};
    struct xsw w;
    int fds[2];

    (void)state;
    watching(fds, &w);
    close(fds[1]);
    assert_int_equal(xsw_read_event(&w, &err), -1);
    assert_string_equal(err.msg, "xenstore watch: connection lost: Connection reset by peer");
    xsw_close(&w);
}

static void test_a_message_too_long_or_not_an_event_is_an_error(void **state)
{
    struct xu_err err = {0};
    struct xsw w;
    uint32_t h[4] = {XSW_WATCH_EVENT, 0, 0, XSB_PAYLOAD_MAX + 1};
    int fds[2];

    (void)state;
    watching(fds, &w);
    send_message(fds[1], XSB_READ, 2, "value", 5);
    assert_int_equal(xsw_read_event(&w, &err), -1);
    assert_string_equal(err.msg, "xenstore watch: a message of type 2, not an event");
    assert_int_equal(write(fds[1], h, sizeof(h)), sizeof(h));
    assert_int_equal(xsw_read_event(&w, &err), -1);
    assert_string_equal(err.msg, "xenstore watch: a message of 4097 bytes (at most 4096)");
    xsw_close(&w);
    close(fds[1]);
}

static void test_a_path_too_long_is_refused_before_sending(void **state)
{
    struct xu_err err = {0};
    char path[XSB_PAYLOAD_MAX + 8];
    struct xsw w;
    int fds[2];

    (void)state;
    memset(path, 'a', sizeof(path) - 1);
    path[sizeof(path) - 1] = '\0';
    pair(fds);
    assert_int_equal(xsw_attach(&w, fds[0], path, "tok", &err), -1);
    assert_string_equal(err.msg, "xenstore watch: a path of 4103 bytes is too long");
    close(fds[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_request_on_the_wire_and_an_event_read),
        cmocka_unit_test(test_an_event_before_the_acknowledgement_is_kept),
        cmocka_unit_test(test_a_refused_watch_says_why_and_closes),
        cmocka_unit_test(test_an_answer_out_of_step_is_refused),
        cmocka_unit_test(test_an_acknowledgement_with_request_id_0_is_taken),
        cmocka_unit_test(test_a_xenstored_gone_before_the_request_is_an_error_not_sigpipe),
        cmocka_unit_test(test_a_xenstored_gone_is_an_error),
        cmocka_unit_test(test_a_message_too_long_or_not_an_event_is_an_error),
        cmocka_unit_test(test_a_path_too_long_is_refused_before_sending),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
