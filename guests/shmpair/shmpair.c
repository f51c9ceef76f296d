/*
 * shmpair: two guests Xen starts at boot pass messages through memory they
 * share (static_shm), each signalling the other through a static event
 * channel, with no xenstore on the way. The pinger writes numbered messages
 * and waits for each reply; the ponger checks each message and answers.
 * Both count and check every message, and report every 1000. The pinger
 * sends 1000 at a time, then rests for 10 s: a demonstration, not a load
 * on the CPUs it shares with Dom0 and DomD.
 *
 * Command line: role=ping|pong peer=NAME shm=ID.
 */
#include "rt.h"

#define PAYLOAD_WORDS 60
#define REPORT_EVERY  1000u
#define REST_MS       10000u
#define MAGIC         0x70697865u /* "pixe" */

/*
 * The shared page. A message is (nonce, seq, payload, sum) written by the
 * pinger, published by storing seq last; a reply is (ack, ack_sum) from the
 * ponger, ack stored last. The nonce, new each boot, tells this boot's
 * messages from what the page held before.
 */
struct page {
    uint32_t magic, nonce, seq, sum;
    uint32_t payload[PAYLOAD_WORDS];
    uint32_t ack_nonce, ack, ack_sum, pad;
};

static struct sem events;

static const char *arg(const char *bootargs, const char *key, char *out, size_t out_bytes)
{
    size_t key_len = 0;

    while (key[key_len])
        key_len++;
    for (const char *p = bootargs; *p;) {
        const char *word = p;
        size_t n = 0;

        while (*p && *p != ' ')
            p++;
        if ((size_t)(p - word) > key_len && __builtin_memcmp(word, key, key_len) == 0 &&
            word[key_len] == '=') {
            for (const char *v = word + key_len + 1; v < p && n + 1 < out_bytes; v++)
                out[n++] = *v;
            out[n] = '\0';
            return out;
        }
        while (*p == ' ')
            p++;
    }
    return NULL;
}

static uint32_t word_of(uint32_t nonce, uint32_t seq, unsigned i)
{
    uint32_t x = nonce ^ (seq * 2654435761u) ^ (i * 40503u);

    x ^= x >> 15;
    return x * 2246822519u;
}

static uint32_t checksum(const uint32_t *words, unsigned n, uint32_t seed)
{
    uint32_t sum = seed;

    for (unsigned i = 0; i < n; i++)
        sum = (sum << 5 | sum >> 27) ^ words[i];
    return sum;
}

static uint32_t load(const volatile uint32_t *p)
{
    return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void store(volatile uint32_t *p, uint32_t v)
{
    __atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static void ping(volatile struct page *pg, uint32_t port)
{
    uint32_t nonce = (uint32_t)now_ns() | 1, seq = 0;
    uint64_t started = now_ns();

    store(&pg->seq, 0);
    store(&pg->nonce, nonce);
    store(&pg->magic, MAGIC);
    for (;;) {
        uint32_t payload[PAYLOAD_WORDS];

        seq++;
        for (unsigned i = 0; i < PAYLOAD_WORDS; i++)
            payload[i] = pg->payload[i] = word_of(nonce, seq, i);
        pg->sum = checksum(payload, PAYLOAD_WORDS, seq);
        store(&pg->seq, seq);
        evtchn_notify(port);
        while (load(&pg->ack) != seq || load(&pg->ack_nonce) != nonce)
            sem_take(&events);
        if (load(&pg->ack_sum) != ~checksum(payload, PAYLOAD_WORDS, seq))
            guest_panic("shmpair: the reply to message %u is wrong", seq);
        if (seq % REPORT_EVERY == 0) {
            printf("shmpair: ping: %u messages sent, %u replies checked, %llu us each\n", seq, seq,
                   (unsigned long long)((now_ns() - started) / 1000 / REPORT_EVERY));
            sleep_ms(REST_MS);
            started = now_ns();
        }
    }
}

static void pong(volatile struct page *pg, uint32_t port)
{
    uint32_t nonce = 0, last = 0, checked = 0;

    for (;;) {
        uint32_t seq, payload[PAYLOAD_WORDS];

        while (load(&pg->magic) != MAGIC || (seq = load(&pg->seq)) == 0 ||
               (load(&pg->nonce) == nonce && seq == last))
            sem_take(&events);
        /* A new nonce: the pinger has started (again); count afresh. */
        if (load(&pg->nonce) != nonce) {
            nonce = load(&pg->nonce);
            last = 0;
        }
        if (seq != last + 1)
            guest_panic("shmpair: message %u came after %u", seq, last);
        for (unsigned i = 0; i < PAYLOAD_WORDS; i++)
            payload[i] = pg->payload[i];
        if (pg->sum != checksum(payload, PAYLOAD_WORDS, seq))
            guest_panic("shmpair: message %u arrived damaged", seq);
        for (unsigned i = 0; i < PAYLOAD_WORDS; i++)
            if (payload[i] != word_of(nonce, seq, i))
                guest_panic("shmpair: message %u holds the wrong words", seq);
        last = seq;
        checked++;
        store(&pg->ack_sum, ~checksum(payload, PAYLOAD_WORDS, seq));
        store(&pg->ack_nonce, nonce);
        store(&pg->ack, seq);
        evtchn_notify(port);
        if (checked % REPORT_EVERY == 0)
            printf("shmpair: pong: %u messages received and checked, %u replies sent\n", checked,
                   checked);
    }
}

void guest_main(const char *bootargs)
{
    char role[8], peer[64], id[16];
    size_t bytes;
    volatile struct page *pg;
    uint32_t port;

    if (!arg(bootargs, "role", role, sizeof(role)) || !arg(bootargs, "peer", peer, sizeof(peer)) ||
        !arg(bootargs, "shm", id, sizeof(id)))
        guest_panic("shmpair: the command line needs role=ping|pong peer=NAME shm=ID");
    pg = shm_map(id, &bytes);
    if (!pg || bytes < sizeof(struct page))
        guest_panic("shmpair: no shared region %s in the device tree", id);
    port = evtchn_static_port(peer);
    if (!port)
        guest_panic("shmpair: no static event channel to %s", peer);
    evtchn_bind(port, &events);
    printf("shmpair: %s, region %s at %p (%zu bytes), port %u to %s\n", role, id, (void *)pg, bytes,
           port, peer);
    if (role[0] == 'p' && role[1] == 'i')
        ping(pg, port);
    pong(pg, port);
}
