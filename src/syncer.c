/* A thread that runs a slow job for the event loop (syncer.h): a flush or
 * a file's hash. It touches nothing but what the job names and its own
 * fields, under the mutex; the loop learns of the end through an
 * eventfd. */
#include "syncer.h"

#include "filecheck.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

struct syncer {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int efd;
	int started;      /* the thread runs (it starts with the first job) */
	int quit;
	int job_fd;       /* >= 0: a flush to run */
	int job_hfd;      /* else, >= 0: a file to hash (a dup the thread closes) */
	uint64_t job_ticket;
	struct syncer_hash res_hash;
	int busy;         /* submitted, result not yet taken */
	int done;         /* result ready */
	uint64_t res_ticket;
	int res_err;
};

/* One job, then its result posted; called and returns without the mutex. */
static void run_job(struct syncer *s, int fd, int hfd, uint64_t ticket)
{
	int e = 0;
	struct syncer_hash h;
	memset(&h, 0, sizeof(h));
	if (hfd >= 0) {
		if (filecheck_hash_fd(hfd, h.sha256, &h.before, &h.after) < 0)
			e = errno ? errno : EIO;
		close(hfd);
	} else {
		while (fdatasync(fd) < 0) {
			if (errno != EINTR) {
				e = errno;
				break;
			}
		}
		close(fd);
	}
	pthread_mutex_lock(&s->mu);
	s->res_ticket = ticket;
	s->res_err = e;
	s->res_hash = h;
	s->done = 1;
	uint64_t one = 1;
	(void)!write(s->efd, &one, sizeof(one));
	pthread_mutex_unlock(&s->mu);
}

static void *worker(void *arg)
{
	struct syncer *s = arg;
	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (!s->quit && s->job_fd < 0 && s->job_hfd < 0)
			pthread_cond_wait(&s->cv, &s->mu);
		if (s->job_fd < 0 && s->job_hfd < 0)
			break; /* quit with nothing left to do */
		int fd = s->job_fd;
		int hfd = s->job_hfd;
		uint64_t ticket = s->job_ticket;
		s->job_fd = -1;
		s->job_hfd = -1;
		pthread_mutex_unlock(&s->mu);
		run_job(s, fd, hfd, ticket);
		pthread_mutex_lock(&s->mu);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* The thread starts with the first job, not at start-up: an idle hasher
 * cost loaxad its stack pages and more (issue 18). Should it not start,
 * the job runs here, as when syncer_new could not start it before. */
static void submit(struct syncer *s, int fd, int hfd, uint64_t ticket)
{
	s->busy = 1;
	if (!s->started) {
		int e = pthread_create(&s->th, NULL, worker, s);
		if (e) {
			run_job(s, fd, hfd, ticket);
			return;
		}
		s->started = 1;
	}
	pthread_mutex_lock(&s->mu);
	s->job_fd = fd;
	s->job_hfd = hfd;
	s->job_ticket = ticket;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

struct syncer *syncer_new(void)
{
	struct syncer *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->job_fd = -1;
	s->job_hfd = -1;
	s->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->efd < 0) {
		free(s);
		return NULL;
	}
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	return s;
}

void syncer_free(struct syncer *s)
{
	if (!s)
		return;
	if (s->started) {
		pthread_mutex_lock(&s->mu);
		s->quit = 1;
		pthread_cond_signal(&s->cv);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->th, NULL);
	}
	if (s->job_hfd >= 0)
		close(s->job_hfd);
	close(s->efd);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	free(s);
}

int syncer_fd(const struct syncer *s)
{
	return s->efd;
}

int syncer_busy(const struct syncer *s)
{
	return s->busy;
}

int syncer_submit(struct syncer *s, int fd, uint64_t ticket)
{
	if (s->busy) {
		errno = EBUSY;
		return -1;
	}
	submit(s, fd, -1, ticket);
	return 0;
}

int syncer_submit_hash(struct syncer *s, int fd, uint64_t ticket)
{
	if (s->busy) {
		errno = EBUSY;
		return -1;
	}
	submit(s, -1, fd, ticket);
	return 0;
}

int syncer_result(struct syncer *s, uint64_t *ticket, int *err)
{
	return syncer_result_hash(s, ticket, err, NULL);
}

int syncer_result_hash(struct syncer *s, uint64_t *ticket, int *err, struct syncer_hash *h)
{
	uint64_t n;
	(void)!read(s->efd, &n, sizeof(n));
	pthread_mutex_lock(&s->mu);
	int got = s->done;
	if (got) {
		*ticket = s->res_ticket;
		*err = s->res_err;
		if (h)
			*h = s->res_hash;
		s->done = 0;
		s->busy = 0;
	}
	pthread_mutex_unlock(&s->mu);
	return got;
}
