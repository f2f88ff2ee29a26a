package cmd

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rdnsctl/rdnsctl/journal"
)

// The write transaction seen from outside: real rdnsctl processes,
// interrupted (SIGINT), killed (SIGKILL), short of disk space, and racing
// each other with the zones directories in opposite orders.

var bigInit = []string{"block-init", "10.0.0.0/17", "--template", "{dashed}.dyn.example.net.", "--config", "rdnsctl.yaml", "--write", "-q"}

// bigInitRef runs bigInit once, unkilled, in a copy of the examples and
// returns the zone files it leaves, the journal length, and how long it
// took.
func bigInitRef(t *testing.T, bin string) (map[string]string, int, time.Duration) {
	t.Helper()
	dir := copyExamples(t)
	start := time.Now()
	p := lcStart(t, bin, dir, bigInit...)
	if code := p.wait(t); code != 0 {
		t.Fatalf("reference run: exit %d:\n%s", code, p.err.String())
	}
	full := time.Since(start)
	n := len(lcJournal(t, filepath.Join(dir, "rdns-changes.jsonl")))
	if n != 32768 {
		t.Fatalf("reference run journaled %d changes, want 32768", n)
	}
	return lcZoneFiles(t, dir), n, full
}

// zonesAre says whether the zone files of dir are exactly want (serials
// masked).
func zonesAre(t *testing.T, dir string, want map[string]string) bool {
	t.Helper()
	got := lcZoneFiles(t, dir)
	if len(got) != len(want) {
		return false
	}
	for name, data := range want {
		if lcMaskSerial(got[name]) != lcMaskSerial(data) {
			return false
		}
	}
	return true
}

// journalExact fails unless the journal at path holds exactly n whole
// entries and no torn line.
func journalExact(t *testing.T, what, path string, n int) {
	t.Helper()
	entries, skipped, err := journal.ReadFile(path, journal.Filter{})
	if err != nil || skipped != 0 || len(entries) != n {
		t.Errorf("%s: journal holds %d entries and %d torn lines (%v), want exactly %d", what, len(entries), skipped, err, n)
	}
}

// Ctrl-C while waiting for another writer's lock exits 130 at once,
// having written nothing.
func TestInterruptWhileWaitingForLock(t *testing.T) {
	bin := lcBuild(t)
	dir := copyExamples(t)
	l, err := journal.Acquire(filepath.Join(dir, "zones", ".rdnsctl.lock"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	before := lcZoneSnapshot(t, dir)
	p := lcStart(t, bin, dir, "provision", "198.51.100.50", "--customer", "C-1", "--config", "rdnsctl.yaml", "--write", "--lock-timeout", "60s")
	time.Sleep(500 * time.Millisecond)
	if p.cmd.ProcessState != nil {
		t.Fatalf("did not wait for the lock:\n%s", p.err.String())
	}
	start := time.Now()
	_ = p.cmd.Process.Signal(os.Interrupt)
	code := p.wait(t)
	if took := time.Since(start); code != ExitInterrupted || took > time.Second {
		t.Fatalf("exit %d %v after SIGINT, want 130 within 1s:\n%s", code, took, p.err.String())
	}
	lcSameFiles(t, "interrupted in the lock wait", before, lcZoneSnapshot(t, dir))
}

// SIGINT at any moment of a large write either stops before the commit
// point (exit 130, no zone changed, no journal line) or finishes the
// commit (exit 0, every zone and journal line there): never "written, exit
// 130".
func TestInterruptLargeWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	bin := lcBuild(t)
	want, n, full := bigInitRef(t, bin)
	outcomes := map[string]int{}
	const runs = 6
	for k := range runs {
		dir := copyExamples(t)
		old := lcZoneFiles(t, dir)
		// half at any time, half once the commit point is passed
		delay := time.Duration(k) * (full + full/4) / runs
		p := lcStart(t, bin, dir, bigInit...)
		// SIGINT before rdnsctl has installed its handler kills it (Go's
		// default): wait until it holds the lock, which it takes after
		waitLocked(dir, p.cmd.Process.Pid)
		if k%2 == 1 {
			delay = waitCommitted(dir) + time.Duration(k)*time.Millisecond
		}
		time.Sleep(delay)
		_ = p.cmd.Process.Signal(os.Interrupt)
		code := p.wait(t)
		jpath := filepath.Join(dir, "rdns-changes.jsonl")
		switch code {
		case ExitInterrupted:
			if !zonesAre(t, dir, old) {
				t.Errorf("SIGINT after %v: exit 130 but the zones changed", delay)
			}
			journalExact(t, fmt.Sprintf("SIGINT after %v, exit 130", delay), jpath, 0)
			outcomes["stopped before the commit"]++
		case ExitOK:
			if !zonesAre(t, dir, want) {
				t.Errorf("SIGINT after %v: exit 0 but not every zone written", delay)
			}
			journalExact(t, fmt.Sprintf("SIGINT after %v, exit 0", delay), jpath, n)
			if strings.Contains(p.err.String(), "interrupted after the commit point") {
				outcomes["finished the commit, said so"]++
			} else {
				outcomes["done before the signal"]++
			}
		default:
			t.Errorf("SIGINT after %v: exit %d:\n%s", delay, code, p.err.String())
		}
		if n := lcLeftovers(filepath.Join(dir, "zones")); n > 0 {
			t.Errorf("SIGINT after %v: %d temporary files left", delay, n)
		}
	}
	t.Logf("full run %v; %d interrupts: %v", full.Round(time.Millisecond), runs, outcomes)
}

// kill -9 at many points of a large write, then the same command again:
// every zone is the new one and the journal holds every change exactly
// once (no duplicate from a recovery, no torn line).
func TestKillLargeWriteJournalExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	bin := lcBuild(t)
	want, n, full := bigInitRef(t, bin)
	outcomes := map[string]int{}
	const kills = 6
	for k := range kills {
		dir := copyExamples(t)
		// half at any time, half once the commit point is passed (in the
		// renames and the journal append)
		delay := 50*time.Millisecond + time.Duration(k)*(full+full/5)/kills
		p := lcStart(t, bin, dir, bigInit...)
		if k%2 == 1 {
			delay = waitCommitted(dir) + time.Duration(k*k)*time.Millisecond
		}
		time.Sleep(delay)
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
		code := p.wait(t)
		jpath := filepath.Join(dir, "rdns-changes.jsonl")
		got := len(lcJournalLoose(jpath))
		switch {
		case code == 0:
			outcomes["finished before the kill"]++
		case got == 0:
			outcomes["killed before the journal"]++
		case got < n:
			outcomes["killed inside the journal append"]++
		default:
			outcomes["killed after the journal"]++
		}
		p = lcStart(t, bin, dir, bigInit...)
		if code := p.wait(t); code != 0 {
			t.Fatalf("kill %d after %v: the run after: exit %d:\n%s", k, delay, code, p.err.String())
		}
		if !zonesAre(t, dir, want) {
			t.Errorf("kill %d after %v: after the run again, the zones are not the new ones", k, delay)
		}
		journalExact(t, fmt.Sprintf("kill %d after %v (%d lines at the kill)", k, delay, got), jpath, n)
		if left := lcLeftovers(filepath.Join(dir, "zones")); left > 0 {
			t.Errorf("kill %d: %d temporary files left", k, left)
		}
	}
	t.Logf("full run %v; %d kills: %v", full.Round(time.Millisecond), kills, outcomes)
}

// waitCommitted waits (up to 30s) until the write in dir has passed its
// commit point (its manifest is there) and returns 0: the delay to add.
func waitCommitted(dir string) time.Duration {
	manifest := filepath.Join(dir, "zones", ".rdnsctl-pending")
	for start := time.Now(); time.Since(start) < 30*time.Second; {
		if _, err := os.Stat(manifest); err == nil {
			return 0
		}
		time.Sleep(200 * time.Microsecond)
	}
	return 0
}

// waitLocked waits (up to 30s) until the process pid holds the zones lock
// in dir.
func waitLocked(dir string, pid int) {
	lock := filepath.Join(dir, "zones", ".rdnsctl.lock")
	for start := time.Now(); time.Since(start) < 30*time.Second; {
		if b, err := os.ReadFile(lock); err == nil && strings.TrimSpace(string(b)) == fmt.Sprint(pid) {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

// lcJournalLoose reads the whole lines of a journal, skipping a torn one.
func lcJournalLoose(path string) []journal.Entry {
	es, _, _ := journal.ReadFile(path, journal.Filter{})
	return es
}

// On a full disk a write fails cleanly wherever the space runs out
// (temporary files, manifest, journal batch, journal append): the zones
// are all old or all new, the journal holds no torn line and no change
// that is not in the zones, and once there is space the next run
// completes it with every change journaled exactly once.
func TestFullDiskJournalExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	bin := lcBuild(t)
	mnt := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", mnt).Run() })
	args := []string{"block-init", "10.0.0.0/18", "--template", "{dashed}.dyn.example.net.", "--config", "rdnsctl.yaml", "--write", "-q"}
	// the reference, and how much space the write needs
	ref := filepath.Join(mnt, "ref")
	copyTree(t, copyExamples(t), ref)
	free0 := freeBytes(t, mnt)
	if p := lcStart(t, bin, ref, args...); p.wait(t) != 0 {
		t.Fatalf("reference run:\n%s", p.err.String())
	}
	want := lcZoneFiles(t, ref)
	n := len(lcJournal(t, filepath.Join(ref, "rdns-changes.jsonl")))
	need := free0 - freeBytes(t, mnt)
	os.RemoveAll(ref)
	outcomes := map[string]int{}
	const steps = 8
	for k := range steps {
		dir := filepath.Join(mnt, fmt.Sprintf("run%d", k))
		copyTree(t, copyExamples(t), dir)
		old := lcZoneFiles(t, dir)
		// leave a share of what the write needs (zones, temporary files,
		// batch, journal: about twice the journal plus the zones)
		leave := int64(k) * (2 * need) / steps
		filler := filepath.Join(mnt, "filler")
		fill(t, filler, freeBytes(t, mnt)-leave)
		p := lcStart(t, bin, dir, args...)
		code := p.wait(t)
		jpath := filepath.Join(dir, "rdns-changes.jsonl")
		entries, skipped, _ := journal.ReadFile(jpath, journal.Filter{})
		isOld, isNew := zonesAre(t, dir, old), zonesAre(t, dir, want)
		switch {
		case !isOld && !isNew:
			t.Errorf("leaving %d bytes: exit %d: zones neither all old nor all new:\n%s", leave, code, p.err.String())
		case skipped != 0:
			t.Errorf("leaving %d bytes: %d torn journal lines", leave, skipped)
		case isOld && len(entries) != 0:
			t.Errorf("leaving %d bytes: zones unchanged but %d journal lines", leave, len(entries))
		case code == 0 && (!isNew || len(entries) != n):
			t.Errorf("leaving %d bytes: exit 0 with %d of %d journal lines", leave, len(entries), n)
		case strings.Contains(p.err.String(), "recorded the interrupted write"):
			t.Errorf("leaving %d bytes: a false recovery message:\n%s", leave, p.err.String())
		}
		switch {
		case code == 0:
			outcomes["enough space"]++
		case isOld:
			outcomes["refused before the commit"]++
		default:
			outcomes["committed, journal left for the next run"]++
		}
		os.Remove(filler)
		p = lcStart(t, bin, dir, args...)
		if code := p.wait(t); code != 0 {
			t.Fatalf("leaving %d bytes: the run after: exit %d:\n%s", leave, code, p.err.String())
		}
		if !zonesAre(t, dir, want) {
			t.Errorf("leaving %d bytes: after the run again the zones are not the new ones", leave)
		}
		journalExact(t, fmt.Sprintf("leaving %d bytes, then again", leave), jpath, n)
		os.RemoveAll(dir)
	}
	t.Logf("the write needs %d bytes; %d runs: %v", need, steps, outcomes)
}

func freeBytes(t *testing.T, dir string) int64 {
	t.Helper()
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	return int64(st.Bavail) * int64(st.Bsize)
}

func fill(t *testing.T, path string, n int64) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	for n > 0 {
		k := min(int64(len(buf)), n)
		if _, err := f.Write(buf[:k]); err != nil {
			return // full
		}
		n -= k
	}
}

func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
}

// Two writers given the same zones directories in opposite --zones orders
// take one lock: none of their changes is lost, each is journaled once.
func TestOppositeZonesOrderOneLock(t *testing.T) {
	bin := lcBuild(t)
	dir := copyExamples(t)
	zA, zB := filepath.Join(dir, "zA"), filepath.Join(dir, "zB")
	os.Mkdir(zA, 0o755)
	os.Mkdir(zB, 0o755)
	for _, f := range []string{"db.198.51.100", "db.198.51.100.64-26"} {
		os.Rename(filepath.Join(dir, "zones", f), filepath.Join(zA, f))
	}
	ents, _ := os.ReadDir(filepath.Join(dir, "zones"))
	for _, e := range ents {
		os.Rename(filepath.Join(dir, "zones", e.Name()), filepath.Join(zB, e.Name()))
	}
	cfg, _ := os.ReadFile(filepath.Join(dir, "rdnsctl.yaml"))
	os.WriteFile(filepath.Join(dir, "rdnsctl.yaml"), []byte(strings.Replace(string(cfg), "journal: rdns-changes.jsonl\n", "", 1)), 0o644)
	const writers = 16
	var ps []*lcProc
	for i := range writers {
		order := []string{"--zones", "zA", "--zones", "zB"}
		if i%2 == 1 {
			order = []string{"--zones", "zB", "--zones", "zA"}
		}
		args := append([]string{"provision", fmt.Sprintf("198.51.100.%d", 22+i), "--customer", fmt.Sprintf("C-%d", i),
			"--config", "rdnsctl.yaml", "--write", "--lock-timeout", "60s", "-q"}, order...)
		ps = append(ps, lcStart(t, bin, dir, args...))
	}
	for i, p := range ps {
		if code := p.wait(t); code != 0 {
			t.Fatalf("writer %d: exit %d:\n%s", i, code, p.err.String())
		}
	}
	data := lcRead(t, filepath.Join(zA, "db.198.51.100"))
	lost := 0
	for i := range writers {
		host := 22 + i
		if !strings.Contains(data, fmt.Sprintf("%d\tIN\tPTR\t198-51-100-%d.customers.example.net.\n", host, host)) {
			lost++
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d updates lost:\n%s", lost, writers, data)
	}
	// one journal for the set, whatever the order: the first root sorted
	journalExact(t, "opposite orders", filepath.Join(zA, "rdns-changes.jsonl"), writers)
	if _, err := os.Stat(filepath.Join(zB, "rdns-changes.jsonl")); err == nil {
		t.Error("a second journal in zB")
	}
}

// transfer undelegate retires the child file inside the write's manifest,
// to a free name: an earlier .retired file is kept, and every change is
// journaled once.
func TestUndelegateRetiresToAFreeName(t *testing.T) {
	dir := copyExamples(t)
	zones := filepath.Join(dir, "zones")
	child := filepath.Join(zones, "db.198.51.100.64-26")
	childData := lcRead(t, child)
	os.WriteFile(child+".retired", []byte("an earlier retired zone\n"), 0o644)
	cfg := filepath.Join(dir, "rdnsctl.yaml")
	r := run(t, "", "", "transfer", "undelegate", "198.51.100.64/26", "--config", cfg, "--write", "-o", "json")
	if r.code != 0 {
		t.Fatalf("exit %d:\n%s", r.code, r.err)
	}
	if got := lcRead(t, child+".retired"); got != "an earlier retired zone\n" {
		t.Errorf("the earlier .retired file was overwritten: %q", got)
	}
	if got := lcRead(t, child+".retired.2"); got != childData {
		t.Errorf("the child zone was not retired to .retired.2")
	}
	if _, err := os.Stat(child); err == nil {
		t.Error("the child zone file is still there")
	}
	var out changeReport
	if err := json.Unmarshal([]byte(r.out), &out); err != nil {
		t.Fatal(err)
	}
	journalExact(t, "undelegate", filepath.Join(dir, "rdns-changes.jsonl"), len(out.Changes))
	for _, f := range []string{".rdnsctl-pending", ".rdnsctl-pending.jsonl"} {
		if _, err := os.Stat(filepath.Join(zones, f)); err == nil {
			t.Errorf("%s left behind", f)
		}
	}
	checkZones(t, zones)
}

// The hostile file system: a planted manifest naming a file outside the
// zones, a symlinked lock file, journal or batch: each write is refused
// (exit 2), and nothing outside the zones is touched.
func TestHostileStateFiles(t *testing.T) {
	tests := []struct {
		name  string
		plant func(t *testing.T, dir, zones, victim string)
		want  string
	}{
		{"manifest renames a file outside the zones", func(t *testing.T, dir, zones, victim string) {
			tmp := filepath.Join(filepath.Dir(victim), "."+filepath.Base(victim)+".rdnsctl-1")
			os.WriteFile(tmp, []byte("attacker\n"), 0o644)
			os.WriteFile(filepath.Join(zones, ".rdnsctl-pending"), []byte(fmt.Sprintf(`{"version":1,"renames":[{"tmp":%q,"path":%q}],"retires":[]}`, tmp, victim)), 0o644)
		}, "outside the zones directories"},
		{"old-style manifest outside the zones", func(t *testing.T, dir, zones, victim string) {
			tmp := filepath.Join(filepath.Dir(victim), "."+filepath.Base(victim)+".rdnsctl-1")
			os.WriteFile(tmp, []byte("attacker\n"), 0o644)
			os.WriteFile(filepath.Join(zones, ".rdnsctl-pending"), []byte(tmp+"\t"+victim+"\n"), 0o644)
		}, "outside the zones directories"},
		{"symlinked lock file", func(t *testing.T, dir, zones, victim string) {
			os.Symlink(victim, filepath.Join(zones, ".rdnsctl.lock"))
		}, "symbolic link"},
		{"symlinked journal", func(t *testing.T, dir, zones, victim string) {
			os.Symlink(victim, filepath.Join(dir, "rdns-changes.jsonl"))
		}, "symbolic link"},
		// a batch without a manifest is a leftover: the link is removed,
		// never followed, and the write goes ahead
		{"symlinked journal batch", func(t *testing.T, dir, zones, victim string) {
			os.Symlink(victim, filepath.Join(zones, ".rdnsctl-pending.jsonl"))
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyExamples(t)
			zones := filepath.Join(dir, "zones")
			victim := filepath.Join(t.TempDir(), "precious")
			os.WriteFile(victim, []byte("precious\n"), 0o644)
			before := lcRead(t, filepath.Join(zones, "db.198.51.100"))
			tt.plant(t, dir, zones, victim)
			r := run(t, "", "", "provision", "198.51.100.50", "--customer", "C-1", "--config", filepath.Join(dir, "rdnsctl.yaml"), "--write")
			if got := lcRead(t, victim); got != "precious\n" {
				t.Errorf("the file outside the zones changed: %q", got)
			}
			if tt.want == "" {
				if r.code != 0 {
					t.Fatalf("exit %d:\n%s", r.code, r.err)
				}
				journalExact(t, tt.name, filepath.Join(dir, "rdns-changes.jsonl"), 1)
				return
			}
			if r.code != ExitUsage || !strings.Contains(r.err, tt.want) {
				t.Fatalf("exit %d, want 2 and %q:\n%s", r.code, tt.want, r.err)
			}
			if lcRead(t, filepath.Join(zones, "db.198.51.100")) != before {
				t.Error("the zone was written")
			}
		})
	}
}

// The guard refuses the write, never the preview: without --write the
// plan is printed with the reason a write would be refused (exit 0); with
// --write the plan is printed and the write refused (exit 2).
func TestGuardShowsThePlan(t *testing.T) {
	dir := copyExamples(t)
	cfg := filepath.Join(dir, "rdnsctl.yaml")
	args := []string{"mass-rename", "198.51.100.0/24", "--config", cfg, "--suffix", "customers.example.net.", "--to-suffix", "cust.example.net."}
	for _, write := range []bool{false, true} {
		a := args
		if write {
			a = append(slices.Clone(args), "--write")
		}
		r := run(t, "", "", a...)
		wantCode := map[bool]int{false: 0, true: ExitUsage}[write]
		if r.code != wantCode || !strings.Contains(r.out, "198-51-100-2.cust.example.net.") ||
			!strings.Contains(r.err, "100.51.198.in-addr.arpa.: 6 of 12 PTRs (50%)") || !strings.Contains(r.err, "--force") {
			t.Errorf("--write %v: exit %d (want %d)\nstdout:\n%s\nstderr:\n%s", write, r.code, wantCode, r.out, r.err)
		}
	}
	journalExact(t, "guarded", filepath.Join(dir, "rdns-changes.jsonl"), 0)
}
