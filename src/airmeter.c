/* Proof of air, the pure part: per-100 ms levels of the audio sent and of
 * the audio captured at the amplifier's output, and the per-second verdict
 * "heard" (rule in airmeter.h and docs/MONITOR.md). No I/O, no clock. */
#include "airmeter.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#elif defined(__ARM_NEON) && defined(__aarch64__)
#include <arm_neon.h>
#endif

#define LAG_BLOCKS ((int)(AIRMETER_MAX_LAG_S * AIRMETER_BLOCKS_PER_S + 0.5))

/* One stream cut into blocks: mean square (0..1 of full scale squared)
 * per closed block, plus the open block's running sums. */
struct stream {
	long rate;
	int channels;
	double *ms;
	size_t n, cap;
	int64_t blk;          /* index of the open block since the last format change */
	int64_t in_blk;       /* frames in the open block */
	double acc;           /* sum of squares in the open block */
	uint64_t acc_n;       /* samples in the open block */
	double total;         /* sum of squares, every sample */
	uint64_t total_n;
	double peak;          /* 0..1 */
	double seconds;       /* closed blocks' frames / rate */
};

struct airmeter {
	double silence_dbfs;
	struct stream sent, cap;
};

double airmeter_dbfs(double amplitude)
{
	if (!(amplitude > 0))
		return AIRMETER_FLOOR_DBFS;
	double d = 20.0 * log10(amplitude);
	return d < AIRMETER_FLOOR_DBFS ? AIRMETER_FLOOR_DBFS : d;
}

/* Mean square -> dBFS (RMS). */
static double ms_dbfs(double ms)
{
	return ms > 0 ? airmeter_dbfs(sqrt(ms)) : AIRMETER_FLOOR_DBFS;
}

struct airmeter *airmeter_new(double silence_dbfs)
{
	struct airmeter *m = xcalloc(1, sizeof(*m));
	m->silence_dbfs = silence_dbfs;
	return m;
}

void airmeter_free(struct airmeter *m)
{
	if (!m)
		return;
	free(m->sent.ms);
	free(m->cap.ms);
	free(m);
}

static void push_block(struct stream *s, double ms)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 256;
		s->ms = xrealloc(s->ms, s->cap * sizeof(*s->ms));
	}
	s->ms[s->n++] = ms;
}

static void close_block(struct stream *s)
{
	if (!s->acc_n)
		return;
	push_block(s, s->acc / (double)s->acc_n);
	s->seconds += s->rate > 0 ? (double)s->in_blk / (double)s->rate : 0;
	s->acc = 0;
	s->acc_n = 0;
	s->in_blk = 0;
	s->blk++;
}

/* Frames in block b at this rate: the boundaries fall on whole frames
 * (floor(b * rate / 10)), so rates such as 11025 Hz lose nothing. */
static int64_t block_frames(long rate, int64_t b)
{
	return ((b + 1) * rate) / AIRMETER_BLOCKS_PER_S - (b * rate) / AIRMETER_BLOCKS_PER_S;
}

/* Sum of the squares of n samples, exact; *peak the largest magnitude.
 * This runs for every sample sent and captured, so it uses the vector unit
 * where there surely is one: SSE2 (every x86-64) multiplies and adds pairs
 * of samples in one instruction (a pair's sum, at most 2^31, is read as
 * unsigned), NEON (every arm64) widens and adds; elsewhere plain C. */
static double sum_squares(const int16_t *p, size_t n, int32_t *peak)
{
	uint64_t sum = 0;
	int32_t h = 0, l = 0;
	size_t k = 0;
#if defined(__SSE2__)
	__m128i acc = _mm_setzero_si128(), hi = _mm_setzero_si128(), lo = _mm_setzero_si128();
	const __m128i zero = _mm_setzero_si128();
	for (; k + 8 <= n; k += 8) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + k));
		__m128i sq = _mm_madd_epi16(x, x);
		acc = _mm_add_epi64(acc, _mm_unpacklo_epi32(sq, zero));
		acc = _mm_add_epi64(acc, _mm_unpackhi_epi32(sq, zero));
		hi = _mm_max_epi16(hi, x);
		lo = _mm_min_epi16(lo, x);
	}
	uint64_t a[2];
	int16_t hv[8], lv[8];
	_mm_storeu_si128((__m128i *)(void *)a, acc);
	_mm_storeu_si128((__m128i *)(void *)hv, hi);
	_mm_storeu_si128((__m128i *)(void *)lv, lo);
	sum = a[0] + a[1];
	for (int i = 0; i < 8; i++) {
		h = hv[i] > h ? hv[i] : h;
		l = lv[i] < l ? lv[i] : l;
	}
#elif defined(__ARM_NEON) && defined(__aarch64__)
	uint64x2_t acc = vdupq_n_u64(0);
	int16x8_t hi = vdupq_n_s16(0), lo = vdupq_n_s16(0);
	for (; k + 8 <= n; k += 8) {
		int16x8_t x = vld1q_s16(p + k);
		int32x4_t a = vmull_s16(vget_low_s16(x), vget_low_s16(x));
		int32x4_t b = vmull_s16(vget_high_s16(x), vget_high_s16(x));
		acc = vpadalq_u32(acc, vreinterpretq_u32_s32(a));
		acc = vpadalq_u32(acc, vreinterpretq_u32_s32(b));
		hi = vmaxq_s16(hi, x);
		lo = vminq_s16(lo, x);
	}
	sum = vgetq_lane_u64(acc, 0) + vgetq_lane_u64(acc, 1);
	h = vmaxvq_s16(hi);
	l = vminvq_s16(lo);
#endif
	for (; k < n; k++) {
		int32_t v = p[k];
		sum += (uint64_t)(v * v);
		h = v > h ? v : h;
		l = v < l ? v : l;
	}
	*peak = -l > h ? -l : h;
	return (double)sum;
}

static void feed(struct stream *s, const int16_t *pcm, size_t frames, long rate, int channels)
{
	if (rate <= 0 || channels <= 0 || !pcm)
		return;
	if (rate != s->rate || channels != s->channels) {
		close_block(s);
		s->rate = rate;
		s->channels = channels;
		s->blk = 0;
	}
	size_t i = 0;
	while (i < frames) {
		int64_t want = block_frames(rate, s->blk) - s->in_blk;
		size_t take = frames - i < (size_t)want ? frames - i : (size_t)want;
		const int16_t *p = pcm + i * (size_t)channels;
		size_t ns = take * (size_t)channels;
		int32_t pk;
		double sum = sum_squares(p, ns, &pk);
		double acc = sum / (32768.0 * 32768.0);
		s->acc += acc;
		s->total += acc;
		s->acc_n += ns;
		s->total_n += ns;
		if (pk / 32768.0 > s->peak)
			s->peak = pk / 32768.0;
		s->in_blk += (int64_t)take;
		i += take;
		if (s->in_blk >= block_frames(rate, s->blk))
			close_block(s);
	}
}

void airmeter_sent(struct airmeter *m, const int16_t *pcm, size_t frames, long rate, int channels)
{
	feed(&m->sent, pcm, frames, rate, channels);
}

void airmeter_captured(struct airmeter *m, const int16_t *pcm, size_t frames, long rate,
		       int channels)
{
	feed(&m->cap, pcm, frames, rate, channels);
}

static double stream_seconds(const struct stream *s)
{
	return s->seconds + (s->rate > 0 ? (double)s->in_blk / (double)s->rate : 0);
}

double airmeter_sent_seconds(const struct airmeter *m)
{
	return stream_seconds(&m->sent);
}

double airmeter_captured_seconds(const struct airmeter *m)
{
	return stream_seconds(&m->cap);
}

/* Block i of s, the open block counting as the last one. */
static double block_ms(const struct stream *s, size_t i)
{
	return i < s->n ? s->ms[i] : s->acc / (double)s->acc_n;
}

static size_t nblocks(const struct stream *s)
{
	return s->n + (s->acc_n ? 1 : 0);
}

/* Mean square of blocks [from, from + w) of s, cut to what s has; -1 when
 * none of it was captured. */
static double window_ms(const struct stream *s, size_t from, size_t w)
{
	size_t n = nblocks(s);
	if (from >= n)
		return -1;
	if (from + w > n)
		w = n - from;
	double sum = 0;
	for (size_t i = from; i < from + w; i++)
		sum += block_ms(s, i);
	return sum / (double)w;
}

void airmeter_result(const struct airmeter *m, struct airmeter_result *r)
{
	const struct stream *se = &m->sent, *ca = &m->cap;
	size_t nb = nblocks(se);
	const size_t bps = AIRMETER_BLOCKS_PER_S;
	size_t nsec = nb / bps + (nb % bps >= bps / 2 ? 1 : 0);
	memset(r, 0, sizeof(*r));
	r->seconds = (int)nsec;
	r->level_dbfs = ca->total_n ? ms_dbfs(ca->total / (double)ca->total_n) : AIRMETER_FLOOR_DBFS;
	r->peak_dbfs = airmeter_dbfs(ca->peak);
	r->sent_dbfs = se->total_n ? ms_dbfs(se->total / (double)se->total_n) : AIRMETER_FLOOR_DBFS;
	r->captured_s = stream_seconds(ca);

	/* The loudest second sent: a second far below it is a pause. */
	double loudest = AIRMETER_FLOOR_DBFS;
	for (size_t k = 0; k < nsec; k++) {
		size_t w = k * bps + bps <= nb ? bps : nb - k * bps;
		double d = ms_dbfs(window_ms(se, k * bps, w));
		if (d > loudest)
			loudest = d;
	}
	for (size_t k = 0; k < nsec; k++) {
		size_t w = k * bps + bps <= nb ? bps : nb - k * bps;
		double sent = ms_dbfs(window_ms(se, k * bps, w));
		if (sent < m->silence_dbfs || sent < loudest - AIRMETER_QUIET_BELOW_DB) {
			r->quiet++;
			r->heard++;
			continue;
		}
		double best = -1;
		for (int d = 0; d <= LAG_BLOCKS; d++) {
			double ms = window_ms(ca, k * bps + (size_t)d, w);
			if (ms > best)
				best = ms;
		}
		if (best >= 0 && ms_dbfs(best) >= m->silence_dbfs)
			r->heard++;
	}
}
