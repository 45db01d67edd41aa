/* Unit tests for ctlview.c (text from control replies) and the request
 * line's as=NAME token (control_split_as). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <libgen.h>
#include <libintl.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control.h"
#include "ctlview.h"

/* noinline: gcc 12 on armhf takes the memstream's &buf for a dangling pointer once inlined */
__attribute__((noinline)) static char *render(const char *cmd, const char *reply)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ctlview_render(cmd, reply, f);
	fclose(f);
	return buf;
}

static void test_status_playing(void **state)
{
	const char *r = "loaxa=1\nok=yes\nstation.id=s1\nstation.name=Xã A\ncommune=99001\ndistrict=999\n"
			"time=2030-01-15T06:30:05+07:00\nsynced=yes\nstate=draining\nplaying.occurrence=sang@x\n"
			"playing.bulletin=tin-a\nplaying.campaign=sxh\nplaying.seconds=12.25\nplaying.expected=12.5\n"
			"next.count=0\nnext.horizon_days=7\nschedule.serial=4\nschedule.installed=\nlibrary.count=2\n"
			"push=watching\npush.spool=/sp\naudio.device=default\naudio.fallback=yes\n"
			"audio.fallback.file=/f.wav\namp=none\nmodbus=off\nqueued=0\njournal=failing\n"
			"journal.error=cannot record start: No space left on device\nlast_error=\nuptime_s=3725\n";
	char *t = render("status", r);
	assert_non_null(strstr(t, "station:   Xã A (s1), commune 99001, district 999\n"));
	assert_non_null(strstr(t, "state:     playing (played; reading the amplifier back)\n"));
	assert_non_null(strstr(t, "playing:   sang@x  bulletin tin-a  campaign sxh  12.2 of 12.5 s\n"));
	assert_non_null(strstr(t, "next:      nothing scheduled in the next 7 days\n"));
	assert_non_null(strstr(t, "schedule:  serial 4\n"));
	assert_non_null(strstr(t, "audio:     default, no sound card: writing to /f.wav\n"));
	assert_non_null(strstr(t, "amplifier: none configured\n"));
	assert_non_null(strstr(t, "journal:   FAILING: cannot record start: No space left on device"));
	assert_non_null(strstr(t, "last error: none\n"));
	assert_non_null(strstr(t, "uptime:    1h 02m 05s\n"));
	assert_null(strstr(t, "modbus:"));
	free(t);
}

static void test_status_waiting_and_amp(void **state)
{
	const char *r = "loaxa=1\nok=yes\nsynced=no\nstate=waiting-clock\nnext.count=1\n"
			"next.0.due=D\nnext.0.occurrence=o\nnext.0.bulletin=b\nnext.0.level=emergency\n"
			"amp=hold\namp.peer=tcp h:502\namp.connected=no\namp.fault=\namp.fault.last=x broke\n"
			"amp.fault.last_at=T\njournal=ok\n";
	char *t = render("status", r);
	assert_non_null(strstr(t, "(NOT synchronised: nothing plays until it is)\n"));
	assert_non_null(strstr(t, "state:     waiting for the clock to be synchronised\n"));
	assert_non_null(strstr(t, "next:      D  o  bulletin b  emergency\n"));
	assert_non_null(strstr(t, "amplifier: tcp h:502, hold (not connected)\n"));
	assert_non_null(strstr(t, "amp fault: none (last: x broke, at T; cleared)\n"));
	assert_non_null(strstr(t, "journal:   ok\n"));
	free(t);
}

static void test_play_stop_reload(void **state)
{
	char *t = render("play", "loaxa=1\nok=yes\nresult=queued\nbulletin=b1\n");
	assert_string_equal(t, "b1 plays next, when the current broadcast ends\n");
	free(t);
	t = render("play", "loaxa=1\nok=yes\nresult=preempted\nbulletin=b1\npreempted=o9\n");
	assert_string_equal(t, "b1 pre-empted the broadcast that was playing (o9) and is playing now\n");
	free(t);
	t = render("stop", "loaxa=1\nok=yes\nresult=nothing\n");
	assert_string_equal(t, "nothing was playing\n");
	free(t);
	t = render("stop", "loaxa=1\nok=yes\nresult=stopped\noccurrence=o1\n");
	assert_string_equal(t, "stopped o1\n");
	free(t);
	t = render("reload", "loaxa=1\nok=yes\nschedule.changed=yes\nschedule.serial=9\nlibrary.count=3\n");
	assert_string_equal(t, "schedule serial 9 installed; library has 3 bulletins\n");
	free(t);
	t = render("what", "loaxa=1\nok=yes\na=b\n");
	assert_string_equal(t, "loaxa: 1\nok: yes\na: b\n");
	free(t);
}

/* One idle status with one of everything (singular forms), an amplifier
 * holding and a reload of one bulletin. */
static const char one_r[] = "loaxa=1\nok=yes\nstation.id=s1\nstation.name=Xã A\ncommune=99001\nsynced=yes\n"
			    "time=T\nstate=idle\nnext.count=0\nnext.horizon_days=1\nschedule.serial=4\n"
			    "library.count=1\npush=watching\npush.spool=/sp\naudio.device=default\n"
			    "amp=on, holding\namp.peer=tcp h:502\namp.connected=yes\njournal=ok\nlast_error=\n"
			    "uptime_s=61\n";

static void test_singular_english(void **state)
{
	char *t = render("status", one_r);
	assert_non_null(strstr(t, "state:     idle\n"));
	assert_non_null(strstr(t, "next:      nothing scheduled in the next 1 day\n"));
	assert_non_null(strstr(t, "library:   1 bulletin\n"));
	assert_non_null(strstr(t, "amplifier: tcp h:502, on, holding\n"));
	free(t);
	t = render("reload", "loaxa=1\nok=yes\nschedule.changed=no\nschedule.serial=9\nlibrary.count=1\n");
	assert_string_equal(t, "schedule unchanged (serial 9); library reloaded (1 bulletin)\n");
	free(t);
}

/* issue 16: the same replies in Vietnamese, from the build's catalogue
 * ($(BUILD)/locale beside this binary's tests/ folder). */
static void test_vietnamese(void **state)
{
	char exe[PATH_MAX], dir[PATH_MAX + 16];
	ssize_t l = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	assert_true(l > 0);
	exe[l] = '\0';
	snprintf(dir, sizeof(dir), "%s/../locale", dirname(exe));
	assert_non_null(setlocale(LC_ALL, "C.UTF-8"));
	setenv("LANGUAGE", "vi", 1);
	bindtextdomain("loaxa", dir);
	bind_textdomain_codeset("loaxa", "UTF-8");
	textdomain("loaxa");
	char *t = render("status", one_r);
	assert_non_null(strstr(t, "đài:        Xã A (s1), xã 99001\n"));
	assert_non_null(strstr(t, "trạng thái: đang chờ (không phát)\n"));
	assert_non_null(strstr(t, "tiếp theo:  không có lượt phát nào trong 1 ngày tới\n"));
	assert_non_null(strstr(t, "thư viện:   1 bản tin\n"));
	assert_non_null(strstr(t, "âm ly:      tcp h:502, bật, đang chờ tắt\n"));
	assert_non_null(strstr(t, "nhật ký:    ghi bình thường\n"));
	assert_non_null(strstr(t, "lỗi gần nhất: không có\n"));
	assert_non_null(strstr(t, "đã chạy:    0 giờ 01 phút 01 giây\n"));
	assert_null(strstr(t, "library:"));
	free(t);
	t = render("play", "loaxa=1\nok=yes\nresult=queued\nbulletin=b1\n");
	assert_string_equal(t, "b1 sẽ phát tiếp theo, khi lượt phát hiện tại kết thúc\n");
	free(t);
	t = render("reload", "loaxa=1\nok=yes\nschedule.changed=yes\nschedule.serial=9\nlibrary.count=3\n");
	assert_string_equal(t, "đã cài lịch phát số hiệu 9; thư viện có 3 bản tin\n");
	free(t);
	setlocale(LC_ALL, "C");
	unsetenv("LANGUAGE");
}

static void test_split_as(void **state)
{
	char line[64], as[CONTROL_AS_MAX + 1];
	strcpy(line, "play tin-a emergency as=ana.n_2-x");
	assert_int_equal(control_split_as(line, as, sizeof(as)), 0);
	assert_string_equal(line, "play tin-a emergency");
	assert_string_equal(as, "ana.n_2-x");
	strcpy(line, "status");
	assert_int_equal(control_split_as(line, as, sizeof(as)), 0);
	assert_string_equal(line, "status");
	assert_string_equal(as, "");
	strcpy(line, "status as=");
	assert_int_equal(control_split_as(line, as, sizeof(as)), -1);
	strcpy(line, "status as=a/b");
	assert_int_equal(control_split_as(line, as, sizeof(as)), -1);
	strcpy(line, "status as=abcdefghijabcdefghijabcdefghijab"); /* 32: fits */
	assert_int_equal(control_split_as(line, as, sizeof(as)), 0);
	assert_string_equal(line, "status");
	strcpy(line, "status as=abcdefghijabcdefghijabcdefghijabc"); /* 33 */
	assert_int_equal(control_split_as(line, as, sizeof(as)), -1);
	strcpy(line, "status alias=x");
	assert_int_equal(control_split_as(line, as, sizeof(as)), 0);
	assert_string_equal(line, "status alias=x");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_playing),
		cmocka_unit_test(test_status_waiting_and_amp),
		cmocka_unit_test(test_play_stop_reload),
		cmocka_unit_test(test_singular_english),
		cmocka_unit_test(test_vietnamese),
		cmocka_unit_test(test_split_as),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
