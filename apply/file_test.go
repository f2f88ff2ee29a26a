package apply_test

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rdnsctl/rdnsctl/apply"
	"github.com/rdnsctl/rdnsctl/journal"
	"github.com/rdnsctl/rdnsctl/plan"
	"github.com/rdnsctl/rdnsctl/rdns"
	"github.com/rdnsctl/rdnsctl/zonefile"
	"github.com/rdnsctl/rdnsctl/zoneset"
)

// The engine over the zone-file backend, with no argv and no chdir: a
// zone set in two directories, a write through the engine, a write killed
// after its commit point and finished by the next writer.

const zoneA = `$ORIGIN 100.51.198.in-addr.arpa.
$TTL 3600
@	IN	SOA	ns1.example.net. hostmaster.example.net. 2026010100 7200 3600 1209600 3600
	IN	NS	ns1.example.net.
1	IN	PTR	gw.example.net.
`

const zoneB = `$ORIGIN 113.0.203.in-addr.arpa.
$TTL 3600
@	IN	SOA	ns1.example.net. hostmaster.example.net. 2026010100 7200 3600 1209600 3600
	IN	NS	ns1.example.net.
`

var now = time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)

func setup(t *testing.T, reversed bool) (*apply.Engine, *plan.Backend, string) {
	t.Helper()
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	os.Mkdir(a, 0o755)
	os.Mkdir(b, 0o755)
	os.WriteFile(filepath.Join(a, "db.198.51.100"), []byte(zoneA), 0o644)
	os.WriteFile(filepath.Join(b, "db.203.0.113"), []byte(zoneB), 0o644)
	specs := []zoneset.Spec{{Path: a}, {Path: b}}
	if reversed {
		specs[0], specs[1] = specs[1], specs[0]
	}
	be, err := plan.NewBackend(specs, zoneset.Options{}, nil, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	return &apply.Engine{Backend: be, Journal: filepath.Join(dir, "journal.jsonl"), LockTimeout: time.Second}, be, dir
}

func addPTR(s *zoneset.Set, ip, name string) rdns.Change {
	a := netip.MustParseAddr(ip)
	z := s.ZoneFor(a)
	return rdns.Change{Action: rdns.Add, Zone: z.Origin, File: z.Path, Name: rdns.ReverseName(a), Addr: a, Type: "PTR", New: name}
}

func checkzone(t *testing.T, origin, path string) {
	t.Helper()
	bin, err := exec.LookPath("named-checkzone")
	if err != nil {
		t.Log("named-checkzone not installed (Debian package bind9-utils): zone not checked by BIND")
		return
	}
	if out, err := exec.Command(bin, "-q", "-i", "local", "-k", "fail", origin, path).CombinedOutput(); err != nil {
		b, _ := os.ReadFile(path)
		t.Errorf("named-checkzone %s: %v\n%s\n%s", origin, err, out, b)
	}
}

func TestEngineOverZoneFiles(t *testing.T) {
	ctx := context.Background()
	e, be, dir := setup(t, false)
	_, be2, _ := setup(t, true)
	if filepath.Base(be.StateDir()) != "a" || filepath.Base(be2.StateDir()) != "a" {
		t.Fatalf("state dir depends on the order: %s, %s", be.StateDir(), be2.StateDir())
	}
	tx, err := e.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s, err := be.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cs := rdns.ChangeSet{Changes: []rdns.Change{addPTR(s, "203.0.113.9", "nine.example.net."), addPTR(s, "198.51.100.7", "seven.example.net.")}}
	p, err := e.Plan(ctx, s, apply.Request{Changes: cs}, apply.Options{MaxShare: 0.3, MinPTRs: 10})
	if err != nil || p.Refusal != nil {
		t.Fatalf("Plan = %v, %v", p.Refusal, err)
	}
	if got := len(p.Write.Targets()); got != 2 {
		t.Fatalf("%d targets", got)
	}
	var diff strings.Builder
	if err := p.Write.Diff(&diff); err != nil || !strings.Contains(diff.String(), "seven.example.net.") || !strings.Contains(diff.String(), "nine.example.net.") {
		t.Fatalf("diff:\n%s (%v)", diff.String(), err)
	}
	res, err := tx.Commit(ctx, p, apply.Record{Operator: "alice", Command: "test", Now: now})
	tx.Close()
	if err != nil || res.Committed != 2 {
		t.Fatalf("Commit = %+v, %v", res, err)
	}
	checkzone(t, "100.51.198.in-addr.arpa.", filepath.Join(dir, "a", "db.198.51.100"))
	checkzone(t, "113.0.203.in-addr.arpa.", filepath.Join(dir, "b", "db.203.0.113"))
	es, skipped, err := journal.ReadFile(e.Journal, journal.Filter{})
	if err != nil || skipped != 0 || len(es) != 2 || es[0].Operator != "alice" || !es[0].Time.Equal(now) {
		t.Fatalf("journal: %+v %d %v", es, skipped, err)
	}
	for _, f := range []string{zonefile.ManifestName, apply.BatchName} {
		if _, err := os.Stat(filepath.Join(dir, "a", f)); err == nil {
			t.Errorf("%s left behind", f)
		}
	}
}

// A writer killed after its commit point (the manifest is there, some
// renames done, the journal not appended): the next Begin finishes the
// renames and journals the write once.
func TestEngineRecoversAKilledWrite(t *testing.T) {
	ctx := context.Background()
	e, be, dir := setup(t, true)
	s, _ := be.Load(ctx)
	cs := rdns.ChangeSet{Changes: []rdns.Change{addPTR(s, "198.51.100.8", "eight.example.net."), addPTR(s, "203.0.113.8", "eight.example.org.")}}
	p, err := be.Build(ctx, s, apply.Request{Changes: cs})
	if err != nil {
		t.Fatal(err)
	}
	// what Commit does up to the kill: the batch, then the write
	batch := filepath.Join(be.StateDir(), apply.BatchName)
	rec := apply.Record{Operator: "killed", Now: now}
	if err := journal.WriteBatch(batch, 2, func(i int) *journal.Entry {
		en := apply.Entry(&cs.Changes[i], rec)
		return &en
	}); err != nil {
		t.Fatal(err)
	}
	if committed, err := p.Write(ctx); !committed || err != nil {
		t.Fatalf("Write = %v, %v", committed, err)
	}
	// undo one rename as if killed between them: its temporary file back
	b := filepath.Join(dir, "b", "db.203.0.113")
	data, _ := os.ReadFile(b)
	os.WriteFile(b, []byte(zoneB), 0o644)
	manifest := filepath.Join(be.StateDir(), zonefile.ManifestName)
	os.WriteFile(manifest, []byte(`{"version":1,"renames":[{"tmp":"`+filepath.Join(dir, "b", ".db.203.0.113.rdnsctl-9")+`","path":"`+b+`"}],"retires":[]}`), 0o644)
	os.WriteFile(filepath.Join(dir, "b", ".db.203.0.113.rdnsctl-9"), data, 0o644)
	var notes []string
	e.Note = func(s string) { notes = append(notes, s) }
	for range 2 {
		tx, err := e.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		tx.Close()
	}
	if got, _ := os.ReadFile(b); string(got) != string(data) {
		t.Errorf("the interrupted rename was not finished:\n%s", got)
	}
	checkzone(t, "113.0.203.in-addr.arpa.", b)
	es, skipped, err := journal.ReadFile(e.Journal, journal.Filter{})
	if err != nil || skipped != 0 || len(es) != 2 || es[1].Operator != "killed" {
		t.Fatalf("journal: %+v %d %v", es, skipped, err)
	}
	if len(notes) != 2 || !strings.Contains(notes[1], "recorded the interrupted write's 2 change(s)") {
		t.Errorf("notes: %q", notes)
	}
	if _, err := os.Stat(manifest); err == nil {
		t.Error("manifest left behind")
	}
}

// Ctrl-C while another writer holds one of the zone set's locks returns
// at once, as ErrInterrupted.
func TestEngineBeginInterrupted(t *testing.T) {
	e, be, _ := setup(t, false)
	held, err := journal.AcquireAll(context.Background(), be.Locks()[1:], time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Release()
	e.LockTimeout = time.Minute
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err = e.Begin(ctx)
	if !errorsIs(err, apply.ErrInterrupted) || time.Since(start) > time.Second {
		t.Fatalf("Begin after %v: %v", time.Since(start), err)
	}
	// and it released the lock it had taken
	l, err := journal.AcquireAll(context.Background(), be.Locks()[:1], 0)
	if err != nil {
		t.Fatalf("first lock still held: %v", err)
	}
	l.Release()
}

func errorsIs(err, target error) bool { return err != nil && errors.Is(err, target) }
