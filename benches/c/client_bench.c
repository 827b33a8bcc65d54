/* One client benchmark, built unchanged against Apache's libzookeeper_mt and
 * against this project's, run against the same server:
 *
 *   client_bench HOST:PORT aget COUNT WINDOW   pipelined zoo_aget, WINDOW in flight
 *   client_bench HOST:PORT get COUNT           synchronous zoo_get, one at a time
 *
 * Prints one line: ops/s and client CPU per operation (all threads of this
 * process, from getrusage) for aget; the median and p99 latency for get. */
#include <zookeeper.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static long done, failed, in_flight;
static volatile int connected;

static void watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx) {
    (void)zh; (void)path; (void)ctx;
    if (type == ZOO_SESSION_EVENT && state == ZOO_CONNECTED_STATE) connected = 1;
}

static void completion(int rc, const char *value, int len, const struct Stat *stat, const void *data) {
    (void)value; (void)len; (void)stat; (void)data;
    pthread_mutex_lock(&lock);
    done++;
    if (rc != ZOK) failed++;
    in_flight--;
    pthread_cond_signal(&cond);
    pthread_mutex_unlock(&lock);
}

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static double cpu_s(void) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6 + u.ru_stime.tv_sec + u.ru_stime.tv_usec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: client_bench HOST:PORT aget|get COUNT [WINDOW]\n");
        return 2;
    }
    long count = atol(argv[3]);
    long window = argc > 4 ? atol(argv[4]) : 1;
    zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
    zhandle_t *zh = zookeeper_init(argv[1], watcher, 30000, 0, 0, 0);
    for (int i = 0; i < 1000 && !connected; i++) usleep(10000);
    if (!zh || !connected) {
        fprintf(stderr, "no session\n");
        return 1;
    }
    char value[100];
    memset(value, 'x', sizeof value);
    int rc = zoo_create(zh, "/client-bench", value, sizeof value, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
    if (rc != ZOK && rc != ZNODEEXISTS) {
        fprintf(stderr, "create: %s\n", zerror(rc));
        return 1;
    }
    if (strcmp(argv[2], "aget") == 0) {
        double t0 = now_s(), c0 = cpu_s();
        for (long i = 0; i < count; i++) {
            pthread_mutex_lock(&lock);
            while (in_flight >= window) pthread_cond_wait(&cond, &lock);
            in_flight++;
            pthread_mutex_unlock(&lock);
            if (zoo_aget(zh, "/client-bench", 0, completion, NULL) != ZOK) {
                fprintf(stderr, "zoo_aget refused\n");
                return 1;
            }
        }
        pthread_mutex_lock(&lock);
        while (done < count) pthread_cond_wait(&cond, &lock);
        pthread_mutex_unlock(&lock);
        double secs = now_s() - t0, cpu = cpu_s() - c0;
        printf("aget ops=%ld failed=%ld ops_per_s=%.0f cpu_us_per_op=%.2f\n", count, failed,
               count / secs, cpu * 1e6 / count);
    } else {
        double *lat = malloc(sizeof(double) * count);
        char buf[128];
        for (long i = 0; i < count; i++) {
            int len = sizeof buf;
            double t = now_s();
            if (zoo_get(zh, "/client-bench", 0, buf, &len, NULL) != ZOK) failed++;
            lat[i] = (now_s() - t) * 1e6;
        }
        qsort(lat, count, sizeof(double), cmp_double);
        printf("get ops=%ld failed=%ld median_us=%.1f p99_us=%.1f\n", count, failed, lat[count / 2],
               lat[count * 99 / 100]);
        free(lat);
    }
    zookeeper_close(zh);
    return failed != 0;
}
