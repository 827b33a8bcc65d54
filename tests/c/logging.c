/* Logging through the public macros and functions: LOG_* with many
 * arguments of every kind (more than fit in registers), a log callback per
 * handle, a log stream, and level filtering. Prints what was logged. */
#include <stdio.h>
#include <string.h>
#include <zookeeper.h>
#include <zookeeper_log.h>

#include <pthread.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char last[4096];
static int calls, saw_initiating;

/* Also called from the library's threads. */
static void callback(const char *message) {
    pthread_mutex_lock(&lock);
    snprintf(last, sizeof(last), "%s", message);
    if (strstr(message, "Initiating client connection, host=127.0.0.1:1 sessionTimeout=10000"))
        saw_initiating = 1;
    calls++;
    pthread_mutex_unlock(&lock);
}

int main(void) {
    FILE *stream = tmpfile();
    char line[4096];
    zhandle_t *zh;

    zoo_set_log_stream(stream);
    printf("stream set: %d\n", zoo_get_log_stream() == stream);
    zoo_set_debug_level(ZOO_LOG_LEVEL_DEBUG);
    LOG_ERROR(LOGCALLBACK(NULL), "ints %d %u %ld %lld %x %c|%s|%5.2f %g %e", -1, 2u, 3L, 4LL, 255,
              'z', "str", 3.14159, 2.5, 1e10);
    LOG_WARN(LOGCALLBACK(NULL), "many %d %d %d %d %d %d %d %d %d %d %f %f %f %f %f %f %f %f %f %f %s",
             1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5, 10.5,
             "end");
    LOG_INFO(callback, "to the callback %s %d", "x", 42);
    printf("callback: calls=%d %s\n", calls, strstr(last, "ZOO_INFO@main@"));
    LOG_DEBUG(LOGCALLBACK(NULL), "%s", "debug");
    zoo_set_debug_level(ZOO_LOG_LEVEL_WARN);
    LOG_INFO(LOGCALLBACK(NULL), "filtered");
    LOG_WARN(LOGCALLBACK(NULL), "long %s", "................................................................................................................................................................................................................................................................................................................................................................................................................................................................................................................................................................................................................................................................................................................................................................................................................................................................................................................................................................................");

    /* A handle's callback receives the library's own lines. */
    zoo_set_debug_level(ZOO_LOG_LEVEL_INFO);
    calls = 0;
    zh = zookeeper_init2("127.0.0.1:1", NULL, 10000, NULL, NULL, ZOO_NO_LOG_CLIENTENV, callback);
    pthread_mutex_lock(&lock);
    printf("init logged: %d %s\n", calls > 0, saw_initiating ? "initiating" : last);
    pthread_mutex_unlock(&lock);
    printf("get callback: %d\n", zoo_get_log_callback(zh) == callback);
    zoo_set_log_callback(zh, NULL);
    printf("cleared: %d\n", zoo_get_log_callback(zh) == NULL);
    zookeeper_close(zh);

    /* Everything written to the stream, without the time/pid/thread prefix. */
    rewind(stream);
    while (fgets(line, sizeof(line), stream)) {
        char *at = strstr(line, "):ZOO_");
        if (at && strstr(line, "@main@"))
            printf("stream: %s", at + 2);
    }
    return 0;
}
