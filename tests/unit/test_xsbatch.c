/*
 * Batched xenstore requests against a fake xenstored on a socketpair: the
 * bytes each request puts on the wire, one exchange for a whole batch,
 * reads and their answers, transactions, and what a refusal, a conflict, a request too long and a
 * xenstored that goes away each give.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "xsbatch.h"

#define MAX_SEEN 32

struct seen {
    uint32_t type, req_id, tx_id;
    char payload[256];
    size_t len;
};

struct fake {
    int fd;
    const char *refuse;  /* a path it answers EACCES for */
    bool conflict;       /* ends transactions with EAGAIN */
    unsigned hang_up_at; /* closes the connection at this request (0: never) */
    struct seen seen[MAX_SEEN];
    unsigned n_seen;
    pthread_t thread;
    struct xsb b;
};

static bool read_all(int fd, void *buf, size_t n)
{
    uint8_t *p = buf;

    while (n) {
        ssize_t got = read(fd, p, n);

        if (got <= 0)
            return false;
        p += got;
        n -= (size_t)got;
    }
    return true;
}

static void reply(int fd, const uint32_t *req, uint32_t type, const char *payload, size_t len)
{
    uint32_t h[4] = {type, req[1], req[2], (uint32_t)len};

    assert_int_equal(write(fd, h, sizeof(h)), sizeof(h));
    assert_int_equal(write(fd, payload, len), (ssize_t)len);
}

static void *serve(void *arg)
{
    struct fake *f = arg;
    uint32_t h[4];

    while (read_all(f->fd, h, sizeof(h))) {
        struct seen *s = &f->seen[f->n_seen++];

        assert_true(f->n_seen <= MAX_SEEN && h[3] <= sizeof(s->payload));
        *s = (struct seen){.type = h[0], .req_id = h[1], .tx_id = h[2], .len = h[3]};
        assert_true(read_all(f->fd, s->payload, s->len));
        if (f->n_seen == f->hang_up_at)
            break;
        if (h[0] == XSB_TRANSACTION_START)
            reply(f->fd, h, h[0], "42", 3);
        else if (h[0] == XSB_TRANSACTION_END && f->conflict)
            reply(f->fd, h, XSB_ERROR, "EAGAIN", 7);
        else if (f->refuse && strcmp(s->payload, f->refuse) == 0)
            reply(f->fd, h, XSB_ERROR, "EACCES", 7);
        else if (h[0] == XSB_READ && strncmp(s->payload, "/gone", 5) == 0)
            reply(f->fd, h, XSB_ERROR, "ENOENT", 7);
        else if (h[0] == XSB_READ) /* a node's value, as xenstored sends it: no NUL */
            reply(f->fd, h, h[0], s->payload + 1, strlen(s->payload + 1));
        else
            reply(f->fd, h, h[0], "OK", 3);
    }
    close(f->fd);
    return NULL;
}

static void start(struct fake *f)
{
    int sv[2];

    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    f->fd = sv[1];
    xsb_attach(&f->b, sv[0]);
    assert_int_equal(pthread_create(&f->thread, NULL, serve, f), 0);
}

/* Closes the batch's end, so the fake sees the end and its record is complete. */
static void finish(struct fake *f)
{
    xsb_close(&f->b);
    pthread_join(f->thread, NULL);
}

static void assert_payload(const struct seen *s, const char *bytes, size_t len)
{
    assert_int_equal(s->len, len);
    assert_memory_equal(s->payload, bytes, len);
}

static void test_a_batch_goes_as_xenstores_messages(void **state)
{
    static struct fake f;
    static const uint32_t readers[] = {5};
    struct xu_err err = {{0}};

    (void)state;
    start(&f);
    xsb_write(&f.b, "/local/domain/5/name", "blinky");
    xsb_set_perms(&f.b, "/local/domain/5", 0, readers, 1);
    xsb_rm(&f.b, "/xu/5");
    xsb_introduce(&f.b, 5, 0x39001, 3);
    assert_int_equal(xsb_send(&f.b, &err), 0);
    /* Nothing queued: nothing sent. */
    assert_int_equal(xsb_send(&f.b, &err), 0);
    finish(&f);
    assert_int_equal(f.n_seen, 4);
    assert_int_equal(f.seen[0].type, XSB_WRITE);
    /* A write's value has no NUL of its own. */
    assert_payload(&f.seen[0], "/local/domain/5/name\0blinky", 27);
    assert_int_equal(f.seen[1].type, XSB_SET_PERMS);
    assert_payload(&f.seen[1], "/local/domain/5\0n0\0r5\0", 22);
    assert_int_equal(f.seen[2].type, XSB_RM);
    assert_payload(&f.seen[2], "/xu/5", 6);
    assert_int_equal(f.seen[3].type, XSB_INTRODUCE);
    assert_payload(&f.seen[3],
                   "5\0"
                   "233473\0"
                   "3",
                   11);
    for (unsigned i = 0; i < 4; i++) {
        assert_int_equal(f.seen[i].tx_id, 0);
        assert_int_equal(f.seen[i].req_id, i + 1);
    }
}

static void test_a_transaction_carries_its_id_to_its_end(void **state)
{
    static struct fake f;
    struct xu_err err = {{0}};

    (void)state;
    start(&f);
    assert_int_equal(xsb_transaction_start(&f.b, &err), 0);
    xsb_write(&f.b, "/a", "1");
    xsb_write(&f.b, "/b", "");
    assert_int_equal(xsb_send(&f.b, &err), 0);
    assert_int_equal(xsb_transaction_end(&f.b, true, &err), 0);
    xsb_write(&f.b, "/c", "3");
    assert_int_equal(xsb_send(&f.b, &err), 0);
    finish(&f);
    assert_int_equal(f.n_seen, 5);
    assert_int_equal(f.seen[0].type, XSB_TRANSACTION_START);
    assert_payload(&f.seen[0], "", 1);
    assert_int_equal(f.seen[1].tx_id, 42);
    assert_payload(&f.seen[2], "/b", 3);
    assert_int_equal(f.seen[2].tx_id, 42);
    assert_int_equal(f.seen[3].type, XSB_TRANSACTION_END);
    assert_int_equal(f.seen[3].tx_id, 42);
    assert_payload(&f.seen[3], "T", 2);
    assert_int_equal(f.seen[4].tx_id, 0);
}

static void test_reads_answer_in_one_exchange_and_a_missing_node_is_empty(void **state)
{
    static struct fake f = {.refuse = "/secret"};
    struct xu_err err = {{0}};
    char a[32], gone[16] = "stale", cut[5], secret[16];

    (void)state;
    start(&f);
    /* The fake answers a read with the path less its slash. */
    xsb_read(&f.b, "/local/domain/0/name", a, sizeof(a));
    xsb_read(&f.b, "/gone/name", gone, sizeof(gone));
    xsb_read(&f.b, "/blinky", cut, sizeof(cut));
    assert_int_equal(xsb_send(&f.b, &err), 0);
    assert_string_equal(a, "local/domain/0/name");
    assert_string_equal(gone, "");
    assert_string_equal(cut, "blin");
    /* Any other refusal of a read fails the batch, named. */
    xsb_read(&f.b, "/secret", secret, sizeof(secret));
    assert_int_equal(xsb_send(&f.b, &err), -1);
    assert_int_equal(errno, EACCES);
    assert_string_equal(err.msg, "xenstore: cannot read /secret: Permission denied");
    assert_string_equal(secret, "");
    finish(&f);
    assert_int_equal(f.n_seen, 4);
    assert_int_equal(f.seen[0].type, XSB_READ);
    assert_payload(&f.seen[0], "/local/domain/0/name", 21);
}

static void test_a_refusal_names_the_first_refused_and_keeps_in_step(void **state)
{
    static struct fake f = {.refuse = "/local/domain/5/control"};
    struct xu_err err = {{0}};

    (void)state;
    start(&f);
    xsb_write(&f.b, "/local/domain/5/name", "x");
    xsb_set_perms(&f.b, "/local/domain/5/control", 5, NULL, 0);
    xsb_write(&f.b, "/local/domain/5/control", "");
    assert_int_equal(xsb_send(&f.b, &err), -1);
    assert_int_equal(errno, EACCES);
    assert_string_equal(err.msg, "xenstore: cannot set the permissions of /local/domain/5/control: "
                                 "Permission denied");
    /* Every answer was read: the next exchange is in step. */
    assert_int_equal(xsb_transaction_start(&f.b, &err), 0);
    assert_int_equal(xsb_transaction_end(&f.b, false, &err), 0);
    finish(&f);
    assert_int_equal(f.n_seen, 5);
    assert_payload(&f.seen[4], "F", 2);
}

static void test_a_conflict_is_eagain(void **state)
{
    static struct fake f = {.conflict = true};
    struct xu_err err = {{0}};

    (void)state;
    start(&f);
    assert_int_equal(xsb_transaction_start(&f.b, &err), 0);
    xsb_write(&f.b, "/a", "1");
    assert_int_equal(xsb_send(&f.b, &err), 0);
    assert_int_equal(xsb_transaction_end(&f.b, true, &err), -1);
    assert_int_equal(errno, EAGAIN);
    /* The next write is outside any transaction. */
    xsb_write(&f.b, "/a", "2");
    assert_int_equal(xsb_send(&f.b, &err), 0);
    finish(&f);
    assert_int_equal(f.seen[3].tx_id, 0);
}

static void test_a_request_too_long_sends_nothing(void **state)
{
    static struct fake f;
    static char value[XSB_PAYLOAD_MAX];
    struct xu_err err = {{0}};

    (void)state;
    memset(value, 'x', sizeof(value) - 1);
    start(&f);
    xsb_write(&f.b, "/a", "1");
    xsb_write(&f.b, "/too/long", value);
    xsb_write(&f.b, "/b", "2");
    assert_int_equal(xsb_send(&f.b, &err), -1);
    assert_int_equal(errno, E2BIG);
    assert_non_null(strstr(err.msg, "/too/long"));
    xsb_write(&f.b, "/c", "3");
    assert_int_equal(xsb_send(&f.b, &err), 0);
    finish(&f);
    assert_int_equal(f.n_seen, 1);
    assert_payload(&f.seen[0],
                   "/c\0"
                   "3",
                   4);
}

static void test_xenstored_going_away_fails_and_stays_failed(void **state)
{
    static struct fake f = {.hang_up_at = 2};
    struct xu_err err = {{0}};

    (void)state;
    start(&f);
    xsb_write(&f.b, "/a", "1");
    xsb_write(&f.b, "/b", "2");
    assert_int_equal(xsb_send(&f.b, &err), -1);
    assert_non_null(strstr(err.msg, "no answer from xenstored to request 2"));
    xsb_write(&f.b, "/c", "3");
    assert_int_equal(xsb_send(&f.b, &err), -1);
    finish(&f);
}

static void test_xenstores_error_names(void **state)
{
    (void)state;
    assert_int_equal(xsb_errno("EAGAIN"), EAGAIN);
    assert_int_equal(xsb_errno("ENOENT"), ENOENT);
    assert_int_equal(xsb_errno("EQUOTA?"), EIO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_batch_goes_as_xenstores_messages),
        cmocka_unit_test(test_a_transaction_carries_its_id_to_its_end),
        cmocka_unit_test(test_reads_answer_in_one_exchange_and_a_missing_node_is_empty),
        cmocka_unit_test(test_a_refusal_names_the_first_refused_and_keeps_in_step),
        cmocka_unit_test(test_a_conflict_is_eagain),
        cmocka_unit_test(test_a_request_too_long_sends_nothing),
        cmocka_unit_test(test_xenstored_going_away_fails_and_stays_failed),
        cmocka_unit_test(test_xenstores_error_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
