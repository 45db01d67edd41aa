# Journals for tests/it/rollup_same.sh: python3 gen.py DIR
# Twelve station folders over 2026-01..03 (seeded, so every run writes the
# same bytes) with every event, escapes, odd numbers, other UTC offsets,
# open starts, and the damage a roll-up must report: an edited line, a torn
# tail, an unparsable line, a too-long line, a folder missing its first
# months, a missing month, a missing schedule copy, two stations of one
# commune.
import hashlib, os, random, sys

base = sys.argv[1]
SCHED = {
    1: b'serial = 1;\ncampaigns = (\n  { id = "sxh"; title = "Ph\xc3\xb2ng, ch\xe1\xbb\x91ng s\xe1\xbb\x91t xu\xe1\xba\xa5t huy\xe1\xba\xbft"; bulletins = ["sxh-01"]; target = 20; },\n  { id = "md"; title = "Ph\xc3\xb2ng, ch\xe1\xbb\x91ng m\xe1\xba\xa1i d\xc3\xa2m"; bulletins = ["md-01", "md-02"]; target = 6; }\n);\nslots = (\n  { id = "sang"; times = ["06:00"]; campaign = "sxh"; },\n  { id = "chieu"; times = ["17:00"]; campaign = "md"; }\n);\n',
    2: b'serial = 2;\ncampaigns = (\n  { id = "sxh"; title = "S\xe1\xbb\x91t xu\xe1\xba\xa5t huy\xe1\xba\xbft"; bulletins = ["sxh-01"]; target = 25; }\n);\nslots = ( { id = "sang"; times = ["06:00"]; campaign = "sxh"; } );\n',
}
SHA = {k: hashlib.sha256(v).hexdigest() for k, v in SCHED.items()}

def enc(v):
    if v and not any(c in v for c in ' "\\=') and all(ord(c) >= 0x20 and ord(c) != 0x7f for c in v):
        return v
    r = ''
    for c in v:
        if c in '"\\': r += '\\' + c
        elif c == '\n': r += '\\n'
        elif c == '\t': r += '\\t'
        elif ord(c) < 0x20 or ord(c) == 0x7f: r += '\\x%02x' % ord(c)
        else: r += c
    return '"' + r + '"'

def tz(off):
    if off == 'Z': return 'Z'
    s = '-' if off < 0 else '+'
    a = abs(off)
    return '%s%02d:%02d' % (s, a // 60, a % 60)

class Station:
    def __init__(self, k, commune, off=420, first_prev='0' * 64):
        self.dir = os.path.join(base, 'st-%02d' % k)
        os.makedirs(os.path.join(self.dir, 'schedules'), exist_ok=True)
        self.sid, self.commune, self.off = 'st-%02d' % k, commune, off
        self.prev, self.f, self.lines = first_prev, None, []
    def month(self, m):
        self.flush()
        self.path = os.path.join(self.dir, '2026-%02d.log' % m)
        self.rec('2026-%02d-01T00:00:00' % m, 'open', station=self.sid, commune=self.commune, format=1)
    def flush(self):
        if self.lines:
            with open(self.path, 'wb') as f:
                f.write(b''.join(self.lines))
        self.lines = []
    def raw(self, line, nl=True):
        b = line.encode()
        self.lines.append(b + (b'\n' if nl else b''))
        self.prev = hashlib.sha256(b).hexdigest()
    def rec(self, t, ev, **kv):
        line = t + tz(self.off) + ' ' + ev + ''.join(' %s=%s' % (k.replace('_', '-') if k.startswith('x_') else k, enc(str(v))) for k, v in kv.items()) + ' prev=' + self.prev
        self.raw(line)

def iso(m, d, hm, s=0):
    return '2026-%02d-%02dT%s:%02d' % (m, d, hm, s)

def run(st, rnd, months=(1, 2, 3), serial=1, installs=True):
    first = True
    for m in months:
        st.month(m)
        if first and installs:
            st.rec(iso(m, 1, '00:00', 1), 'station-start', version='0.1', pid=812, serial=serial)
            st.rec(iso(m, 1, '00:00', 2), 'schedule-installed', serial=serial, sha256=SHA[serial],
                   file='/etc/loaxa/schedule.conf', signer='local')
        first = False
        if m == 2 and serial == 1 and rnd.random() < 0.5:
            st.rec(iso(m, 14, '00:00'), 'schedule-installed', serial=2, sha256=SHA[2],
                   file='/etc/loaxa/schedule.conf', signer='local')
            serial = 2
        for d in range(1, 29):
            for slot, hm, camp, bul, exp in (('sang', '06:00', 'sxh', 'sxh-01', '61.234'),
                                             ('chieu', '17:00', 'md', 'md-0%d' % (1 + d % 2), '183.5')):
                if serial == 2 and slot == 'chieu':
                    continue
                occ = '%s@%s' % (slot, iso(m, d, hm)[:16])
                due = iso(m, d, hm) + tz(st.off)
                base_kv = dict(occ=occ, due=due, bulletin=bul, campaign=camp, zones='1;2', level='normal')
                r = rnd.random()
                if r < 0.04:
                    st.rec(iso(m, d, hm, 1), 'failed', **base_kv, expected=exp,
                           detail=rnd.choice(['cannot open %s.mp3: No such file or directory' % bul,
                                              'lỗi "thiết bị" \\ âm thanh\n(ALSA)', '\x01odd\ttab']))
                    continue
                if r < 0.08:
                    st.rec(iso(m, d, hm, 30), 'missed', **base_kv, expected=exp,
                           detail='not started within the catch-up window (2 min)')
                    continue
                st.rec(iso(m, d, hm, 2), 'start', **base_kv, repeat=2, expected=exp, serial=serial)
                if r < 0.10:
                    continue  # left open: closed by the next start or the end of the journal
                if r < 0.12:
                    st.rec(iso(m, d, hm, 50), 'interrupted', occ=occ, due=due, bulletin=bul, campaign=camp,
                           started=iso(m, d, hm, 2) + tz(st.off), expected=exp, detail='power cut')
                    continue
                if r < 0.13:
                    st.rec(iso(m, d, hm, 40), 'note', text='operator "Lan" said hi', x_extra='1')
                played = rnd.choice([exp, exp, exp, '12.5', '0', '3.213', '24', '1234567.123456789012', 'abc', ''])
                outcome = rnd.choice(['aired'] * 8 + ['partial', 'bogus'])
                kv = dict(occ=occ, outcome=outcome, played=played, expected=exp,
                          detail='' if outcome == 'aired' else 'stopped: loaxactl stop')
                if rnd.random() < 0.3:
                    kv.update(heard=rnd.choice(['55.0', '0.5', '-1', 'x']), heard_of=exp,
                              monitor_dbfs=rnd.choice(['-23.5', '-200', '1', 'nan']))
                if outcome == 'bogus':
                    del kv['outcome']
                st.rec(iso(m, d, hm, 59), 'end', **kv)
            if rnd.random() < 0.02:
                st.rec(iso(m, d, '12:00'), 'start', occ='manual@%s#1' % iso(m, d, '12:00'), due=iso(m, d, '12:00') + tz(st.off),
                       bulletin='thong-bao', campaign='', zones='', level='emergency', repeat=1, expected='45',
                       serial=serial)
                st.rec(iso(m, d, '12:01'), 'end', occ='manual@%s#1' % iso(m, d, '12:00'), outcome='aired',
                       played='45', expected='45', detail='')
    st.flush()

def archive(st, serials=(1, 2)):
    for s in serials:
        with open(os.path.join(st.dir, 'schedules', '%d.conf' % s), 'wb') as f:
            f.write(SCHED[s])

rnd = random.Random(18)
for k in range(1, 13):
    commune = '%05d' % (26000 + k if k != 12 else 26001)  # st-12 claims st-01's commune
    off = {3: 'Z', 4: -330}.get(k, 420)
    first_prev = hashlib.sha256(b'a month before').hexdigest() if k == 8 else '0' * 64
    st = Station(k, commune, off, first_prev)
    months = (1, 3) if k == 6 else (2, 3) if k == 8 else (1, 2, 3)
    run(st, rnd, months, installs=(k != 8))
    if k != 7:
        archive(st)  # st-07: its schedule copies are missing
    logs = sorted(p for p in os.listdir(st.dir) if p.endswith('.log'))
    path = os.path.join(st.dir, logs[-1])
    data = open(path, 'rb').read().split(b'\n')
    if k == 9:  # an edited line: the next one's prev no longer matches
        data[40] = data[40][:17] + b'07' + data[40][19:]
    if k == 10:  # a torn last line in the newest file (a power cut)
        data[-1] = b'2026-03-28T17:00:02+07:00 start occ=chieu@2026-03-28T17:00 due=2026-03-'
    if k == 11:  # an unparsable line and a line over 4096 bytes
        data[30] = data[30].replace(b' occ=', b' OCC=', 1)
        data[50] = data[50] + b' ' + b'x' * 5000
    open(path, 'wb').write(b'\n'.join(data))
