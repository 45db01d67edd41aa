/* ALSA hardware set-up shared by the player and the monitor: see alsa_hw.h. */
#include "alsa_hw.h"

#include <errno.h>

int alsa_hw_setup(snd_pcm_t *pcm, struct alsa_hw *h, const char **what)
{
	snd_pcm_hw_params_t *hw;
	unsigned t;
	int e, dir = 0;
	snd_pcm_hw_params_alloca(&hw);
	*what = "no hardware parameters";
	if ((e = snd_pcm_hw_params_any(pcm, hw)) < 0)
		return e;
	*what = "interleaved access";
	if ((e = snd_pcm_hw_params_set_access(pcm, hw, SND_PCM_ACCESS_RW_INTERLEAVED)) < 0)
		return e;
	*what = "16-bit samples";
	if ((e = snd_pcm_hw_params_set_format(pcm, hw, SND_PCM_FORMAT_S16)) < 0)
		return e;
	if (h->exact_channels) {
		*what = h->channels == 1 ? "1 channel" : "2 channels";
		e = snd_pcm_hw_params_set_channels(pcm, hw, h->channels);
	} else {
		*what = "channels";
		e = snd_pcm_hw_params_set_channels_near(pcm, hw, &h->channels);
	}
	if (e < 0)
		return e;
	if (h->resample)
		snd_pcm_hw_params_set_rate_resample(pcm, hw, 1);
	*what = h->rate_what ? h->rate_what : "sample rate";
	unsigned want = h->rate;
	if ((e = snd_pcm_hw_params_set_rate_near(pcm, hw, &h->rate, &dir)) < 0)
		return e;
	if (h->exact_rate && h->rate != want)
		return -ERANGE;
	*what = "buffer size";
	t = h->buffer_us;
	dir = 0;
	if ((e = snd_pcm_hw_params_set_buffer_time_near(pcm, hw, &t, &dir)) < 0)
		return e;
	*what = "period size";
	t = h->period_us;
	dir = 0;
	if ((e = snd_pcm_hw_params_set_period_time_near(pcm, hw, &t, &dir)) < 0)
		return e;
	*what = "hardware parameters";
	if ((e = snd_pcm_hw_params(pcm, hw)) < 0)
		return e;
	snd_pcm_hw_params_get_period_size(hw, &h->period, &dir);
	snd_pcm_hw_params_get_buffer_size(hw, &h->buffer);
	if (h->period == 0 || h->buffer < h->period || h->rate == 0 || h->channels == 0)
		return -EINVAL;
	return 0;
}
