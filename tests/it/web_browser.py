"""loaxa-web in real headless Chromium (Selenium, Debian's chromium-driver):
log in, upload a good bulletin and a WAV renamed .mp3, play now and see the
log row aired, an emergency with its confirmation, the week's schedule with
its blackout, the monthly report, log out. TAP lines on stdout.
Environment: URL, T, AUD, STAFF_PW, REFUSAL (bulletin add's words for the
WAV), SHOTS (a folder: screenshots of each page), JOURNAL_GLOB."""
import glob, os, re, shutil, sys, tempfile, time

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

E = os.environ
URL = E["URL"]
SHOTS = E.get("SHOTS", "")
n = failed = 0


def ok(cond, what, extra=""):
    global n, failed
    n += 1
    print(("ok %d - %s" if cond else "not ok %d - %s") % (n, what))
    if not cond:
        failed += 1
        for l in str(extra).splitlines()[:12]:
            print("#   " + l)
    sys.stdout.flush()


def journal():
    return "".join(open(f, encoding="utf-8", errors="replace").read()
                   for f in sorted(glob.glob(E["T"] + "/st/journal/*.log")))


profile = tempfile.mkdtemp(prefix="loaxa-chromium.", dir=E["T"])
opts = webdriver.ChromeOptions()
opts.binary_location = "/usr/bin/chromium"
for a in ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
          "--disable-background-networking", "--disable-component-update", "--disable-sync",
          "--disable-dev-shm-usage", "--window-size=1000,1300", "--lang=vi",
          "--user-data-dir=" + profile]:
    opts.add_argument(a)
opts.add_experimental_option("prefs", {"intl.accept_languages": "vi,en"})
d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
d.set_page_load_timeout(30)


def shot(name):
    if SHOTS:
        d.save_screenshot(os.path.join(SHOTS, name + ".png"))


def gone(el):
    """The page el was on has been replaced. Chromium's driver says so with
    a stale-element error or, at times, with "Node with given id does not
    belong to the document"; either means the old page is gone."""
    try:
        el.is_enabled()
        return False
    except WebDriverException:
        return True


def click(by, sel):
    """Click what submits a form or follows a link, and wait for the new page."""
    old = d.find_element(By.TAG_NAME, "html")
    d.find_element(by, sel).click()
    WebDriverWait(d, 20).until(lambda x: gone(old))
    WebDriverWait(d, 20).until(lambda x: x.execute_script("return document.readyState") == "complete")


def msg():
    m = d.find_elements(By.ID, "msg")
    return (m[0].text, "bad" in m[0].get_attribute("class")) if m else ("", False)


try:
    d.get(URL + "/now")
    ok(d.current_url.endswith("/login") and d.find_element(By.ID, "login"),
       "without a session the browser lands on the login page")
    ok("Đăng nhập" in d.page_source, "the page is in Vietnamese")
    shot("login")
    d.find_element(By.ID, "user").send_keys("canbo")
    d.find_element(By.ID, "password").send_keys(E["STAFF_PW"])
    click(By.ID, "login")
    ok(d.current_url.endswith("/now") and d.find_element(By.ID, "status"), "logged in: the Now page with the status")
    cookies = d.get_cookies()
    ok(cookies and cookies[0].get("httpOnly") and cookies[0].get("sameSite") == "Strict",
       "the session cookie is HttpOnly and SameSite=Strict", cookies)
    st = d.find_element(By.ID, "status").text
    ok("đang chờ" in st or "đang phát" in st, "Now shows the daemon's state in words", st)
    shot("now")

    # Upload a good bulletin.
    d.get(URL + "/bulletins")
    d.find_element(By.ID, "file").send_keys(E["AUD"] + "/v44k-stereo.mp3")
    d.find_element(By.ID, "title").send_keys("Phòng, chống sốt xuất huyết")
    d.find_element(By.ID, "campaign").send_keys("sxh")
    d.find_element(By.ID, "bid").send_keys("tin-sxh")
    click(By.ID, "add")
    text, bad = msg()
    ok(not bad and "Đã thêm bản tin tin-sxh" in text, "a good MP3 is added", text)
    rows = d.find_elements(By.CSS_SELECTOR, "tr[data-id='tin-sxh']")
    ok(rows and "Phòng, chống sốt xuất huyết" in rows[0].text and "0:02" in rows[0].text
       and "tải lên tại trạm" in rows[0].text, "and listed with its title, duration and source",
       rows and rows[0].text)
    shot("bulletins")

    # A WAV renamed .mp3: refused with bulletin add's own words.
    d.find_element(By.ID, "file").send_keys(E["AUD"] + "/wav-renamed.mp3")
    d.find_element(By.ID, "title").send_keys("Không phải MP3")
    click(By.ID, "add")
    text, bad = msg()
    ok(bad and E["REFUSAL"] in text, "a WAV renamed .mp3 is refused with bulletin add's reason", text)
    ok(not d.find_elements(By.CSS_SELECTOR, "tr[data-id='wav-renamed']"), "and not listed")
    shot("bulletins-refused")

    # Play now, then the log row.
    click(By.CSS_SELECTOR, "tr[data-id='tin-sxh'] button.play")
    text, bad = msg()
    ok(not bad and "tin-sxh" in text, "play now: the daemon says it plays", text)
    aired = False
    for _ in range(60):
        d.get(URL + "/log")
        cells = d.find_elements(By.CSS_SELECTOR, "#log td[data-outcome]")
        if any(c.get_attribute("data-outcome") == "aired" for c in cells):
            aired = True
            break
        time.sleep(0.25)
    row = [r.text for r in d.find_elements(By.CSS_SELECTOR, "#log tr") if "tin-sxh" in r.text]
    ok(aired and row and "đã phát" in row[0], "the log shows the broadcast aired (đã phát)", row)
    ok(re.search(r" request request=play bulletin=tin-sxh emergency=no .*as=canbo", journal()),
       "the journal names the account (as=canbo)")
    shot("log")

    # Emergency, with a confirmation.
    d.get(URL + "/now")
    Select(d.find_element(By.ID, "emergency-id")).select_by_value("tin-a")
    click(By.ID, "emergency")
    ok(d.find_elements(By.ID, "confirm") and "Xác nhận" in d.page_source and
       "request=play bulletin=tin-a emergency=yes" not in journal(),
       "Phát khẩn cấp asks for a confirmation first (nothing sent yet)")
    shot("emergency-confirm")
    click(By.ID, "confirm")
    text, bad = msg()
    ok(not bad and "tin-a" in text, "confirmed: the emergency plays", text)
    ok(re.search(r" request request=play bulletin=tin-a emergency=yes .*as=canbo", journal()),
       "journalled as an emergency asked by canbo")
    ok(re.search(r" start occ=manual@\S+ .*bulletin=tin-a .*level=emergency", journal()) or
       re.search(r" start occ=manual@\S+ .*level=emergency.*bulletin=tin-a", journal()),
       "and started at the emergency level", journal()[-400:])

    # The week's schedule, with its blackout.
    d.get(URL + "/schedule")
    sch = d.find_element(By.ID, "schedule").text
    bl = d.find_element(By.ID, "blackouts").text
    ok("sang@" in sch or "sang" in sch, "the week's schedule as schedule show sees it", sch[:300])
    ok("Quốc tang" in bl, "blackouts with their reason", bl)
    shot("schedule")

    # The monthly report (loaxactl report --format html).
    d.get(URL + "/log")
    click(By.ID, "report")
    ok("Báo cáo" in d.title or "BÁO CÁO" in d.page_source, "the monthly report opens", d.title)
    shot("report")

    # A phone (360 px wide) and a small tablet (600): no page is wider than the screen.
    for page, width in [(p, w) for w in (360, 600) for p in ["/now", "/bulletins", "/schedule", "/log"]]:
        d.set_window_size(width, 740)
        d.get(URL + page)
        w = d.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
        wide = d.execute_script(
            "var r=[];document.querySelectorAll('body *').forEach(function(e){"
            "var b=e.getBoundingClientRect();if(b.right>window.innerWidth+1)"
            "r.push(e.tagName+(e.id?'#'+e.id:'')+' '+Math.round(b.right));});return r.slice(0,8)")
        ok(w[0] <= w[1], "on a %d px screen %s fits (%d px wide in %d)" % (width, page, w[0], w[1]),
           "\n".join(wide))
        shot("phone%d%s" % (width, page.replace("/", "-")))
    d.set_window_size(1000, 1300)

    # English for an English browser is covered by web_security.py; log out.
    d.get(URL + "/now")
    click(By.ID, "logout")
    ok(d.current_url.endswith("/login"), "log out: back at the login page")
    d.get(URL + "/bulletins")
    ok(d.current_url.endswith("/login"), "and the pages are closed again")
except WebDriverException as e:
    ok(False, "browser session", e)
finally:
    d.quit()
    shutil.rmtree(profile, ignore_errors=True)
print(f"# {n} tests, {failed} failed")
sys.exit(1 if failed else 0)
