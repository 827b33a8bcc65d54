/* Event hand-off from the library's threads to the PHP thread.
 *
 * The library calls php_zk_watcher_marshal/php_zk_completion_marshal on its own
 * completion thread. Those only copy the event into a mutex-protected queue,
 * make a pipe readable, and raise the engine's interrupt flag. PHP code runs
 * exclusively on the PHP thread: in php_zk_dispatch(), called from
 * zookeeper_dispatch(), from every Zookeeper method and from the engine's
 * interrupt hook (between opcodes).
 *
 * The library only ever sees zk_token pointers. A token names an object and a
 * callback by number; dispatch looks both up and silently drops events whose
 * object or callback is gone, so no library event can reach freed PHP memory. */
#include "php_zookeeper.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "main/php_streams.h"

struct zk_token {
	uint32_t obj_id;
	uint32_t cb_id;
	enum zk_token_kind kind;
	zk_token *prev, *next;
};

typedef struct zk_event {
	uint32_t obj_id;
	uint32_t cb_id;
	enum zk_token_kind kind;
	zk_token *token;
	int type, state, rc;
	char *path;
	struct zk_event *next;
} zk_event;

static pthread_mutex_t queue_lock = PTHREAD_MUTEX_INITIALIZER;
static zk_event *queue_head, *queue_tail;
static int wake_pipe[2] = {-1, -1};
static int wake_pipe_full;
static pthread_t php_thread;
static int php_thread_known;
static int wake_signal_enabled;
static int dispatching;

/* Live Zookeeper objects by id (persistent: objects are freed after RSHUTDOWN). */
static HashTable registry;
static uint32_t next_obj_id = 1;

static void (*prev_interrupt_function)(zend_execute_data *execute_data);

static void raise_interrupt(void)
{
#if PHP_VERSION_ID >= 80200
	zend_atomic_bool_store_ex(&EG(vm_interrupt), true);
#else
	EG(vm_interrupt) = 1;
#endif
}

static void drain_pipe_locked(void)
{
	char buf[64];
	if (!wake_pipe_full) {
		return;
	}
	while (read(wake_pipe[0], buf, sizeof buf) > 0) {
	}
	wake_pipe_full = 0;
}

static void enqueue(zk_token *t, int type, int state, int rc, const char *path)
{
	zk_event *e = calloc(1, sizeof *e);
	if (!e) {
		return;
	}
	e->obj_id = t->obj_id;
	e->cb_id = t->cb_id;
	e->kind = t->kind;
	e->token = t;
	e->type = type;
	e->state = state;
	e->rc = rc;
	e->path = strdup(path ? path : "");

	pthread_mutex_lock(&queue_lock);
	if (queue_tail) {
		queue_tail->next = e;
	} else {
		queue_head = e;
	}
	queue_tail = e;
	if (!wake_pipe_full && wake_pipe[1] >= 0) {
		if (write(wake_pipe[1], "!", 1) == 1) {
			wake_pipe_full = 1;
		}
	}
	pthread_mutex_unlock(&queue_lock);

	raise_interrupt();
	if (wake_signal_enabled && php_thread_known) {
		/* Makes a blocking sleep()/usleep() on the PHP thread return early. */
		pthread_kill(php_thread, SIGURG);
	}
}

void php_zk_watcher_marshal(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
	zk_token *t = ctx;
	(void)zh;
	if (!t) {
		return;
	}
	/* Node watchers are told about data changes only; connection state goes to
	 * the handle's watcher (as pecl does). */
	if (t->kind == ZK_TOKEN_NODE && type == ZOO_SESSION_EVENT) {
		return;
	}
	enqueue(t, type, state, 0, path);
}

void php_zk_completion_marshal(int rc, const void *ctx)
{
	zk_token *t = (zk_token *)ctx;
	if (t) {
		enqueue(t, 0, 0, rc, NULL);
	}
}

zk_token *php_zk_token_new(php_zk_t *zk, enum zk_token_kind kind, uint32_t cb_id)
{
	zk_token *t = pecalloc(1, sizeof *t, 1);
	t->obj_id = zk->id;
	t->cb_id = cb_id;
	t->kind = kind;
	t->next = zk->tokens;
	if (zk->tokens) {
		zk->tokens->prev = t;
	}
	zk->tokens = t;
	return t;
}

/* Only for tokens the library no longer references. */
void php_zk_token_release(php_zk_t *zk, zk_token *t)
{
	if (!t) {
		return;
	}
	if (t->prev) {
		t->prev->next = t->next;
	} else {
		zk->tokens = t->next;
	}
	if (t->next) {
		t->next->prev = t->prev;
	}
	if (zk->session_token == t) {
		zk->session_token = NULL;
	}
	pefree(t, 1);
}

/* After zookeeper_close(): the library's threads are gone. */
void php_zk_tokens_free_all(php_zk_t *zk)
{
	while (zk->tokens) {
		php_zk_token_release(zk, zk->tokens);
	}
}

void php_zk_purge_object_events(uint32_t obj_id)
{
	zk_event **link, *e;
	pthread_mutex_lock(&queue_lock);
	link = &queue_head;
	queue_tail = NULL;
	while ((e = *link) != NULL) {
		if (e->obj_id == obj_id) {
			*link = e->next;
			free(e->path);
			free(e);
		} else {
			queue_tail = e;
			link = &e->next;
		}
	}
	if (!queue_head) {
		drain_pipe_locked();
	}
	pthread_mutex_unlock(&queue_lock);
}

uint32_t php_zk_registry_add(zend_object *obj)
{
	uint32_t id;
	do {
		id = next_obj_id++;
	} while (id == 0 || zend_hash_index_exists(&registry, id));
	zend_hash_index_add_ptr(&registry, id, obj);
	return id;
}

void php_zk_registry_remove(uint32_t id)
{
	zend_hash_index_del(&registry, id);
}

static uint32_t add_callback(php_zk_t *zk, zval *callable)
{
	uint32_t id = ++zk->next_cb_id;
	zval copy;
	ZVAL_COPY(&copy, callable);
	zend_hash_index_update(&zk->callbacks, id, &copy);
	return id;
}

zk_token *php_zk_token_for(php_zk_t *zk, enum zk_token_kind kind, zend_fcall_info *fci)
{
	if (!fci->size) {
		return NULL;
	}
	return php_zk_token_new(zk, kind, add_callback(zk, &fci->function_name));
}

void php_zk_token_cancel(php_zk_t *zk, zk_token *t)
{
	if (t) {
		zend_hash_index_del(&zk->callbacks, t->cb_id);
		php_zk_token_release(zk, t);
	}
}

static void run_event(zk_event *e)
{
	zend_object *obj = zend_hash_index_find_ptr(&registry, e->obj_id);
	php_zk_t *zk;
	zval *found, callable, retval, params[3];
	uint32_t n = 0;
	int oneshot = e->kind != ZK_TOKEN_SESSION;

	if (!obj) {
		return;
	}
	zk = php_zk_from_obj(obj);
	found = zend_hash_index_find(&zk->callbacks, e->cb_id);
	if (oneshot) {
		/* Delivered once: the library dropped its reference to the token. */
		php_zk_token_release(zk, e->token);
	}
	if (!found) {
		return;
	}
	ZVAL_COPY(&callable, found);
	if (oneshot) {
		zend_hash_index_del(&zk->callbacks, e->cb_id);
	}
	if (e->kind == ZK_TOKEN_COMPLETION) {
		ZVAL_LONG(&params[0], e->rc);
		n = 1;
	} else {
		ZVAL_LONG(&params[0], e->type);
		ZVAL_LONG(&params[1], e->state);
		ZVAL_STRING(&params[2], e->path);
		n = 3;
	}
	/* Keep the object alive even if the callback drops the last reference. */
	GC_ADDREF(obj);
	ZVAL_UNDEF(&retval);
	if (call_user_function(NULL, NULL, &callable, &retval, n, params) == SUCCESS) {
		zval_ptr_dtor(&retval);
	} else if (!EG(exception)) {
		php_error_docref(NULL, E_WARNING, "could not invoke %s callback",
			e->kind == ZK_TOKEN_COMPLETION ? "completion" : "watcher");
	}
	if (n == 3) {
		zval_ptr_dtor(&params[2]);
	}
	zval_ptr_dtor(&callable);
	OBJ_RELEASE(obj);
}

void php_zk_dispatch(void)
{
	zk_event *e;

	if (dispatching || EG(exception)) {
		return;
	}
	dispatching = 1;
	for (;;) {
		pthread_mutex_lock(&queue_lock);
		e = queue_head;
		if (e) {
			queue_head = e->next;
			if (!queue_head) {
				queue_tail = NULL;
			}
		}
		if (!queue_head) {
			drain_pipe_locked();
		}
		pthread_mutex_unlock(&queue_lock);
		if (!e) {
			break;
		}
		run_event(e);
		free(e->path);
		free(e);
		if (EG(exception)) {
			/* Let the exception propagate; the rest runs at the next chance. */
			pthread_mutex_lock(&queue_lock);
			if (queue_head) {
				raise_interrupt();
			}
			pthread_mutex_unlock(&queue_lock);
			break;
		}
	}
	dispatching = 0;
}

static void zk_interrupt_function(zend_execute_data *execute_data)
{
	php_zk_dispatch();
	if (prev_interrupt_function) {
		prev_interrupt_function(execute_data);
	}
}

static void wake_signal_handler(int signo)
{
	(void)signo;
}

int php_zk_event_fd(void)
{
	return wake_pipe[0];
}

void php_zk_events_minit(void)
{
	zend_hash_init(&registry, 8, NULL, NULL, 1);
	if (pipe(wake_pipe) == 0) {
		fcntl(wake_pipe[0], F_SETFL, fcntl(wake_pipe[0], F_GETFL) | O_NONBLOCK);
		fcntl(wake_pipe[1], F_SETFL, fcntl(wake_pipe[1], F_GETFL) | O_NONBLOCK);
		fcntl(wake_pipe[0], F_SETFD, FD_CLOEXEC);
		fcntl(wake_pipe[1], F_SETFD, FD_CLOEXEC);
	} else {
		wake_pipe[0] = wake_pipe[1] = -1;
	}
	prev_interrupt_function = zend_interrupt_function;
	zend_interrupt_function = zk_interrupt_function;
	if (ZK_G(wake_signal)) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = wake_signal_handler;
		sa.sa_flags = SA_RESTART;
		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGURG, &sa, NULL) == 0) {
			wake_signal_enabled = 1;
		}
	}
}

void php_zk_events_mshutdown(void)
{
	zend_interrupt_function = prev_interrupt_function;
	wake_signal_enabled = 0;
	zend_hash_destroy(&registry);
	if (wake_pipe[0] >= 0) {
		close(wake_pipe[0]);
		close(wake_pipe[1]);
		wake_pipe[0] = wake_pipe[1] = -1;
	}
}

void php_zk_events_rinit(void)
{
	php_thread = pthread_self();
	php_thread_known = 1;
	dispatching = 0;
}

void php_zk_events_rshutdown(void)
{
}

/* {{{ proto resource zookeeper_event_stream()
   A read-only stream that is readable while callbacks are waiting; for
   stream_select()/event loops, which then call zookeeper_dispatch(). */
PHP_FUNCTION(zookeeper_event_stream)
{
	php_stream *stream;
	int fd;

	ZEND_PARSE_PARAMETERS_NONE();
	if (wake_pipe[0] < 0 || (fd = dup(wake_pipe[0])) < 0) {
		RETURN_FALSE;
	}
	stream = php_stream_fopen_from_fd(fd, "r", NULL);
	if (!stream) {
		close(fd);
		RETURN_FALSE;
	}
	php_stream_to_zval(stream, return_value);
}
/* }}} */
