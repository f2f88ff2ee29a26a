package apply

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rdnsctl/rdnsctl/journal"
	"github.com/rdnsctl/rdnsctl/rdns"
	"github.com/rdnsctl/rdnsctl/zoneset"
)

// fakeBackend keeps "live" changes in memory; applyN, when >= 0, makes
// Apply commit only the first applyN changes (a backend with per-batch
// results), and pending makes Recover report an interrupted write.
type fakeBackend struct {
	dir     string
	live    []rdns.Change
	applyN  int
	failErr error
	pending *Recovered
	settled int
	// cancel, when set, is called inside Apply after the commit point
	cancel func()
}

func (b *fakeBackend) Locks() []string  { return []string{filepath.Join(b.dir, "lock")} }
func (b *fakeBackend) StateDir() string { return b.dir }
func (b *fakeBackend) Load(context.Context) (*zoneset.Set, error) {
	return zoneset.Load(nil, zoneset.Options{})
}
func (b *fakeBackend) Prepare(_ context.Context, _ *zoneset.Set, req Request) (Prepared, error) {
	return &fakeWrite{b: b, cs: req.Changes}, nil
}
func (b *fakeBackend) Recover(context.Context) (Recovered, error) {
	if b.pending == nil {
		return Recovered{}, nil
	}
	return *b.pending, nil
}
func (b *fakeBackend) Settle() error { b.settled++; b.pending = nil; return nil }

type fakeWrite struct {
	b  *fakeBackend
	cs rdns.ChangeSet
}

func (w *fakeWrite) Empty() bool              { return w.cs.Empty() }
func (w *fakeWrite) Targets() []Target        { return []Target{{Zone: "z.", Path: "fake"}} }
func (w *fakeWrite) Diff(out io.Writer) error { _, err := io.WriteString(out, "diff\n"); return err }
func (w *fakeWrite) Apply(ctx context.Context) (Applied, error) {
	if err := ctx.Err(); err != nil {
		return Applied{}, err
	}
	if w.b.applyN >= 0 {
		var some []int
		for i := 0; i < w.b.applyN && i < len(w.cs.Changes); i++ {
			w.b.live = append(w.b.live, w.cs.Changes[i])
			some = append(some, i)
		}
		return Applied{Some: some}, w.b.failErr
	}
	if w.b.cancel != nil {
		w.b.cancel()
	}
	w.b.live = append(w.b.live, w.cs.Changes...)
	return Applied{All: true}, nil
}

func changes(n int) rdns.ChangeSet {
	var cs rdns.ChangeSet
	for i := range n {
		a := netip.AddrFrom4([4]byte{198, 51, 100, byte(i + 1)})
		cs.Changes = append(cs.Changes, rdns.Change{Action: rdns.Add, Zone: "100.51.198.in-addr.arpa.", Name: rdns.ReverseName(a), Addr: a, Type: "PTR",
			New: fmt.Sprintf("h%d.example.net.", i+1)})
	}
	return cs
}

func journalLines(t *testing.T, path string) []journal.Entry {
	t.Helper()
	es, skipped, err := journal.ReadFile(path, journal.Filter{})
	if err != nil || skipped != 0 {
		t.Fatalf("journal: %d skipped, %v", skipped, err)
	}
	return es
}

var rec = Record{Operator: "op", Command: "rdnsctl test", Ticket: "T-1", Now: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)}

func TestCommitJournalsWhatWasApplied(t *testing.T) {
	tests := []struct {
		name      string
		applyN    int
		failErr   error
		want      int
		wantErr   bool
		wantSettl int
	}{
		{"all or nothing: all", -1, nil, 5, false, 1},
		{"per batch: three of five, then a refusal", 3, errors.New("server refused batch 2"), 3, true, 0},
		{"per batch: none", 0, errors.New("server refused batch 1"), 0, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			b := &fakeBackend{dir: dir, applyN: tt.applyN, failErr: tt.failErr}
			e := &Engine{Backend: b, Journal: filepath.Join(dir, "journal.jsonl"), LockTimeout: time.Second}
			tx, err := e.Begin(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Close()
			p, err := e.Plan(context.Background(), nil, Request{Changes: changes(5)}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			res, err := tx.Commit(context.Background(), p, rec)
			if (err != nil) != tt.wantErr || res.Committed != tt.want {
				t.Fatalf("Commit = %+v, %v", res, err)
			}
			got := journalLines(t, e.Journal)
			if len(got) != tt.want || len(b.live) != tt.want {
				t.Fatalf("journal %d lines, %d live, want %d", len(got), len(b.live), tt.want)
			}
			for i, en := range got {
				if en.New != b.live[i].New || en.Operator != "op" || en.Ticket != "T-1" || !en.Time.Equal(rec.Now) {
					t.Errorf("line %d = %+v", i, en)
				}
			}
			if b.settled != tt.wantSettl {
				t.Errorf("settled %d times, want %d", b.settled, tt.wantSettl)
			}
		})
	}
}

func TestCommitInterrupted(t *testing.T) {
	t.Run("before the commit point: nothing", func(t *testing.T) {
		dir := t.TempDir()
		b := &fakeBackend{dir: dir, applyN: -1}
		e := &Engine{Backend: b, Journal: filepath.Join(dir, "journal.jsonl")}
		tx, err := e.Begin(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Close()
		p, _ := e.Plan(context.Background(), nil, Request{Changes: changes(3)}, Options{})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		res, err := tx.Commit(ctx, p, rec)
		if !errors.Is(err, ErrInterrupted) || res.Committed != 0 || len(b.live) != 0 {
			t.Fatalf("Commit = %+v, %v; live %d", res, err, len(b.live))
		}
		if got := journalLines(t, e.Journal); len(got) != 0 {
			t.Fatalf("journal %d lines", len(got))
		}
		if _, err := os.Stat(filepath.Join(dir, BatchName)); err == nil {
			t.Error("batch left behind")
		}
	})
	t.Run("after the commit point: finished", func(t *testing.T) {
		dir := t.TempDir()
		ctx, cancel := context.WithCancel(context.Background())
		b := &fakeBackend{dir: dir, applyN: -1, cancel: cancel}
		e := &Engine{Backend: b, Journal: filepath.Join(dir, "journal.jsonl")}
		tx, err := e.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Close()
		p, _ := e.Plan(ctx, nil, Request{Changes: changes(3)}, Options{})
		res, err := tx.Commit(ctx, p, rec)
		if err != nil || res.Committed != 3 || !res.InterruptedAfterCommit {
			t.Fatalf("Commit = %+v, %v", res, err)
		}
		if got := journalLines(t, e.Journal); len(got) != 3 {
			t.Fatalf("journal %d lines", len(got))
		}
	})
}

// The guard refuses the write, never the preview: Plan always returns the
// plan, with the refusal.
func TestGuardRefusesWriteNotPreview(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "db"), []byte(zone(20)), 0o644)
	s := load(t, dir)
	var cs rdns.ChangeSet
	for i := 1; i <= 7; i++ {
		cs.Changes = append(cs.Changes, del(i))
	}
	b := &fakeBackend{dir: t.TempDir(), applyN: -1}
	e := &Engine{Backend: b, Journal: filepath.Join(b.dir, "journal.jsonl")}
	p, err := e.Plan(context.Background(), s, Request{Changes: cs}, Options{MaxShare: 0.3, MinPTRs: 10})
	if err != nil || p.Refusal == nil || len(p.Changes.Changes) != 7 {
		t.Fatalf("Plan = %+v, %v", p, err)
	}
	tx, err := e.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Close()
	var ge *GuardError
	if _, err := tx.Commit(context.Background(), p, rec); !errors.As(err, &ge) || ge.Zones[0].Changed != 7 || ge.Zones[0].Total != 20 {
		t.Fatalf("Commit = %v", err)
	}
	if len(b.live) != 0 {
		t.Fatal("written despite the guard")
	}
	p, _ = e.Plan(context.Background(), s, Request{Changes: cs}, Options{MaxShare: 0.3, MinPTRs: 10, Force: true})
	if p.Refusal != nil {
		t.Fatal("--force still refused")
	}
}

// Recovery journals an interrupted write's batch exactly once, however
// often it is run.
func TestRecoverJournalsOnce(t *testing.T) {
	dir := t.TempDir()
	jpath := filepath.Join(dir, "journal.jsonl")
	cs := changes(4)
	if err := journal.WriteBatch(filepath.Join(dir, BatchName), 4, func(i int) *journal.Entry {
		en := Entry(&cs.Changes[i], rec)
		return &en
	}); err != nil {
		t.Fatal(err)
	}
	// a journal append cut in the middle of line 3
	data, _ := os.ReadFile(filepath.Join(dir, BatchName))
	cut := strings.Index(string(data), "h3.example.net.")
	os.WriteFile(jpath, []byte(`{"old":"line"}`+"\n"), 0o644)
	os.WriteFile(journal.MarkPath(filepath.Join(dir, BatchName)), []byte(`{"size":15}`), 0o644)
	f, _ := os.OpenFile(jpath, os.O_APPEND|os.O_WRONLY, 0)
	f.Write(data[:cut])
	f.Close()
	b := &fakeBackend{dir: dir, applyN: -1, pending: &Recovered{Pending: true, Applied: Applied{All: true}}}
	var notes []string
	e := &Engine{Backend: b, Journal: jpath, Note: func(s string) { notes = append(notes, s) }}
	for range 2 {
		tx, err := e.Begin(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		tx.Close()
	}
	got := journalLines(t, jpath)
	if len(got) != 5 || got[4].New != "h4.example.net." || got[3].New != "h3.example.net." {
		t.Fatalf("journal: %+v", got)
	}
	if b.settled != 1 || len(notes) != 1 || !strings.Contains(notes[0], "recorded the interrupted write's 2 change(s)") {
		t.Fatalf("settled %d, notes %q", b.settled, notes)
	}
}

// A writer waiting for the lock returns as soon as ctx is done, and the
// lock of a set of directories is one whatever order they are given in.
func TestLockWait(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.lock"), filepath.Join(dir, "b.lock")
	held, err := journal.AcquireAll(context.Background(), []string{b, a}, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = journal.AcquireAll(ctx, []string{a, b}, time.Minute)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > time.Second {
		t.Fatalf("after %v: %v", time.Since(start), err)
	}
	_, err = journal.AcquireAll(context.Background(), []string{a, b}, 150*time.Millisecond)
	var le *LockedError
	if !errors.As(err, &le) || le.Holder != fmt.Sprint(os.Getpid()) || le.Waited < 150*time.Millisecond {
		t.Fatalf("timeout: %v", err)
	}
	held.Release()
	l, err := journal.AcquireAll(context.Background(), []string{b, a}, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	l.Release()
	t.Run("symlinked lock file", func(t *testing.T) {
		target := filepath.Join(dir, "precious")
		os.WriteFile(target, []byte("keep me\n"), 0o644)
		link := filepath.Join(dir, "link.lock")
		os.Symlink(target, link)
		if _, err := journal.AcquireAll(context.Background(), []string{link}, time.Second); err == nil || !strings.Contains(err.Error(), "symbolic link") {
			t.Fatalf("AcquireAll = %v", err)
		}
		if got, _ := os.ReadFile(target); string(got) != "keep me\n" {
			t.Fatalf("target = %q", got)
		}
	})
}
