/*
 * librdkafka's side of `make bench`: the same three measurements as ferrokafka-bench, in the shape
 * of librdkafka's examples/rdkafka_performance.c (produce with a delivery report callback served by
 * rd_kafka_poll, QUEUE_FULL answered by polling; consume with rd_kafka_consumer_poll; a latency
 * mode with the send time in the payload).
 *
 *   rdkafka_bench produce --bootstrap B --topic T --count N --size S [--acks 1|all] [--compression none|lz4]
 *   rdkafka_bench consume --bootstrap B --topic T --count N
 *   rdkafka_bench latency --bootstrap B --topic T [--rate R] [--seconds D] [--size S] [--acks 1|all]
 *   (-X key=value sets any librdkafka property)
 *
 * Prints one `result key=value ...` line, the format bench/run.sh parses for every client.
 * Payloads are the same random A-Z slices ferrokafka-bench sends (same generator, same pool).
 *
 * Build: gcc -O2 -o rdkafka_bench rdkafka_bench.c $(pkg-config --cflags --libs rdkafka) -lpthread -lm
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <librdkafka/rdkafka.h>

#define MB (1024.0 * 1024.0)
#define MAX_PROPS 64

static const char *mode, *bootstrap, *topic;
static const char *acks = "1", *compression = "none";
static long long count = 100000, rate = 2000, seconds = 10;
static size_t size = 100;
static const char *props[MAX_PROPS][2];
static int nprops;

static void die(const char *fmt, const char *arg) {
    fprintf(stderr, "rdkafka_bench: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n");
    exit(1);
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Random A-Z bytes; record i is the i-th non-overlapping slice (as ferrokafka-bench's Payloads). */
static char *pool;
static size_t pool_slots;

static void make_pool(void) {
    size_t len = (size_t)16 << 20, i;
    uint64_t x = 0x9E3779B97F4A7C15ull;
    if (len < size * 64) len = size * 64;
    pool = malloc(len);
    if (!pool) die("%s", "out of memory");
    for (i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        pool[i] = (char)('A' + x % 26);
    }
    pool_slots = len / size;
}

static char *payload(long long i) { return pool + ((size_t)i % pool_slots) * size; }

static rd_kafka_conf_t *base_conf(void) {
    char err[512];
    int i;
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, err, sizeof err) != RD_KAFKA_CONF_OK) die("%s", err);
    for (i = 0; i < nprops; i++)
        if (rd_kafka_conf_set(conf, props[i][0], props[i][1], err, sizeof err) != RD_KAFKA_CONF_OK) die("%s", err);
    return conf;
}

static void set(rd_kafka_conf_t *conf, const char *k, const char *v) {
    char err[512];
    if (rd_kafka_conf_set(conf, k, v, err, sizeof err) != RD_KAFKA_CONF_OK) die("%s", err);
}

static long long delivered, failed;
static char first_error[512];

static void dr_msg_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk;
    (void)opaque;
    delivered++;
    if (m->err) {
        if (!failed) snprintf(first_error, sizeof first_error, "%s", rd_kafka_err2str(m->err));
        failed++;
    }
}

static rd_kafka_t *new_producer(const char *compression_type) {
    char err[512];
    rd_kafka_conf_t *conf = base_conf();
    rd_kafka_t *rk;
    set(conf, "acks", acks);
    set(conf, "compression.type", compression_type);
    rd_kafka_conf_set_dr_msg_cb(conf, dr_msg_cb);
    rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk) die("%s", err);
    return rk;
}

/* Partition count of the topic (also makes sure its metadata is known before the clock starts). */
static int partitions(rd_kafka_t *rk, rd_kafka_topic_t *rkt) {
    const struct rd_kafka_metadata *md;
    int n;
    rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, rkt, &md, 30000);
    if (e) die("metadata: %s", rd_kafka_err2str(e));
    if (md->topic_cnt != 1 || md->topics[0].err) die("topic %s not in metadata", topic);
    n = md->topics[0].partition_cnt;
    rd_kafka_metadata_destroy(md);
    if (n < 1) die("topic %s has no partitions", topic);
    return n;
}

/* User + system CPU time of this process (every thread) so far. */
static double cpu_seconds(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void report_throughput(long long n, long long bytes, uint64_t start_ns, double start_cpu) {
    double secs = (now_ns() - start_ns) / 1e9;
    printf("result msgs=%lld bytes=%lld secs=%.3f msgs_per_sec=%.0f mb_per_sec=%.2f cpu_s=%.3f\n", n, bytes, secs,
           n / secs, bytes / MB / secs, cpu_seconds() - start_cpu);
}

static void produce(void) {
    rd_kafka_t *rk = new_producer(compression);
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    long long i;
    uint64_t start;
    double start_cpu;
    make_pool();
    partitions(rk, rkt);
    start = now_ns();
    start_cpu = cpu_seconds();
    for (i = 0; i < count; i++) {
        while (rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, payload(i), size, NULL, 0, NULL) == -1) {
            rd_kafka_resp_err_t e = rd_kafka_last_error();
            if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) die("produce: %s", rd_kafka_err2str(e));
            rd_kafka_poll(rk, 10);
        }
        if (i % 1000 == 999) rd_kafka_poll(rk, 0);
    }
    if (rd_kafka_flush(rk, 120000)) die("%s", "flush timed out");
    while (delivered < count) rd_kafka_poll(rk, 100);
    if (failed) die("delivery failed: %s", first_error);
    report_throughput(count, count * (long long)size, start, start_cpu);
    rd_kafka_topic_destroy(rkt);
    rd_kafka_destroy(rk);
}

static rd_kafka_t *new_consumer(void) {
    char err[512];
    rd_kafka_conf_t *conf = base_conf();
    rd_kafka_t *rk;
    /* assign() needs no group; the id only names the client's (unused) group handle. */
    set(conf, "group.id", "rdkafka-bench");
    set(conf, "enable.auto.commit", "false");
    rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    if (!rk) die("%s", err);
    rd_kafka_poll_set_consumer(rk);
    return rk;
}

/* Partition count of the topic, looked up with a consumer handle. */
static int consumer_partitions(rd_kafka_t *rk) {
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    int n = partitions(rk, rkt);
    rd_kafka_topic_destroy(rkt);
    return n;
}

static void assign_all(rd_kafka_t *rk, int n) {
    rd_kafka_topic_partition_list_t *tps = rd_kafka_topic_partition_list_new(n);
    rd_kafka_resp_err_t e;
    int p;
    for (p = 0; p < n; p++) rd_kafka_topic_partition_list_add(tps, topic, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    e = rd_kafka_assign(rk, tps);
    if (e) die("assign: %s", rd_kafka_err2str(e));
    rd_kafka_topic_partition_list_destroy(tps);
}

static void consume(void) {
    rd_kafka_t *rk = new_consumer();
    long long n = 0, bytes = 0;
    uint64_t start, deadline;
    double start_cpu;
    int n_parts = consumer_partitions(rk); /* metadata before the clock starts, as for the other clients */
    start = now_ns();
    start_cpu = cpu_seconds();
    deadline = start + 120000000000ull;
    assign_all(rk, n_parts);
    while (n < count) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 1000);
        if (!m) {
            if (now_ns() > deadline) die("%s", "consume timed out after 120 s");
            continue;
        }
        if (m->err) {
            if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) die("consume: %s", rd_kafka_message_errstr(m));
        } else {
            n++;
            bytes += (long long)m->len;
        }
        rd_kafka_message_destroy(m);
    }
    report_throughput(n, bytes, start, start_cpu);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The p-quantile in ms (nearest rank, as ferrokafka-bench computes it). */
static double pct(const uint64_t *sorted, long long n, double p) {
    long long i = (long long)ceil((double)n * p);
    if (n == 0) return NAN;
    if (i < 1) i = 1;
    if (i > n) i = n;
    return sorted[i - 1] / 1e6;
}

struct sender {
    rd_kafka_t *rk;
    rd_kafka_topic_t *rkt;
    long long total;
};

/* Sends `total` records at `rate`, each starting with its send time and sequence (big-endian). */
static void *send_loop(void *arg) {
    struct sender *s = arg;
    char *buf = malloc(size);
    uint64_t t0 = now_ns();
    long long i;
    int k;
    for (i = 0; i < s->total; i++) {
        uint64_t due = t0 + (uint64_t)i * 1000000000ull / (uint64_t)rate, ts;
        struct timespec at = {(time_t)(due / 1000000000ull), (long)(due % 1000000000ull)};
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, NULL) == EINTR) {
        }
        memcpy(buf + 16, payload(i) + 16, size - 16);
        ts = now_ns();
        for (k = 0; k < 8; k++) {
            buf[k] = (char)(ts >> (56 - 8 * k));
            buf[8 + k] = (char)((uint64_t)i >> (56 - 8 * k));
        }
        while (rd_kafka_produce(s->rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, buf, size, NULL, 0, NULL) == -1)
            rd_kafka_poll(s->rk, 10);
        rd_kafka_poll(s->rk, 0);
    }
    rd_kafka_flush(s->rk, 30000);
    free(buf);
    return NULL;
}

static void latency(void) {
    long long warmup = rate, total = rate * (1 + seconds), seen = 0, nsamples = 0;
    uint64_t *samples = malloc(sizeof(uint64_t) * (size_t)total), deadline;
    rd_kafka_t *consumer = new_consumer();
    struct sender s;
    pthread_t thread;
    if (size < 16) size = 16;
    make_pool();
    assign_all(consumer, consumer_partitions(consumer));
    s.rk = new_producer("none");
    s.rkt = rd_kafka_topic_new(s.rk, topic, NULL);
    s.total = total;
    partitions(s.rk, s.rkt);
    pthread_create(&thread, NULL, send_loop, &s);
    deadline = now_ns() + (uint64_t)(seconds + 31) * 1000000000ull;
    while (seen < total && now_ns() < deadline) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(consumer, 100);
        uint64_t now = now_ns(), sent = 0, seq = 0;
        int k;
        if (!m) continue;
        if (!m->err && m->len >= 16) {
            const unsigned char *v = m->payload;
            for (k = 0; k < 8; k++) {
                sent = sent << 8 | v[k];
                seq = seq << 8 | v[8 + k];
            }
            seen++;
            if ((long long)seq >= warmup) samples[nsamples++] = now > sent ? now - sent : 0;
        }
        rd_kafka_message_destroy(m);
    }
    pthread_join(thread, NULL);
    qsort(samples, (size_t)nsamples, sizeof *samples, cmp_u64);
    printf("result count=%lld expected=%lld failed=%lld p50_ms=%.2f p99_ms=%.2f max_ms=%.2f\n", nsamples, total - warmup,
           failed, pct(samples, nsamples, 0.50), pct(samples, nsamples, 0.99), pct(samples, nsamples, 1.0));
    rd_kafka_topic_destroy(s.rkt);
    rd_kafka_destroy(s.rk);
    rd_kafka_consumer_close(consumer);
    rd_kafka_destroy(consumer);
    free(samples);
}

int main(int argc, char **argv) {
    int i;
    if (argc < 2) die("%s", "usage: rdkafka_bench produce|consume|latency --bootstrap B --topic T [...]");
    mode = argv[1];
    for (i = 2; i < argc; i++) {
        const char *f = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) die("%s needs a value", f);
        i++;
        if (!strcmp(f, "--bootstrap")) bootstrap = v;
        else if (!strcmp(f, "--topic")) topic = v;
        else if (!strcmp(f, "--count")) count = atoll(v);
        else if (!strcmp(f, "--size")) size = (size_t)atoll(v);
        else if (!strcmp(f, "--acks")) acks = v;
        else if (!strcmp(f, "--compression")) compression = v;
        else if (!strcmp(f, "--rate")) rate = atoll(v);
        else if (!strcmp(f, "--seconds")) seconds = atoll(v);
        else if (!strcmp(f, "-X")) {
            char *eq = strchr(v, '=');
            if (!eq || nprops == MAX_PROPS) die("-X %s: expected key=value", v);
            props[nprops][0] = strndup(v, (size_t)(eq - v));
            props[nprops++][1] = eq + 1;
        } else die("unknown argument %s", f);
    }
    if (!bootstrap || !topic) die("%s", "--bootstrap and --topic are required");
    if (size < 1) size = 1;
    if (!strcmp(mode, "produce")) produce();
    else if (!strcmp(mode, "consume")) consume();
    else if (!strcmp(mode, "latency")) latency();
    else die("unknown mode %s", mode);
    return 0;
}
