package apply

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/rdnsctl/rdnsctl/journal"
	"github.com/rdnsctl/rdnsctl/rdns"
	"github.com/rdnsctl/rdnsctl/zoneset"
)

// BatchName is the engine's journal batch of a write in progress, in the
// backend's StateDir.
const BatchName = ".rdnsctl-pending.jsonl"

// Engine runs writes through a backend.
type Engine struct {
	Backend Backend
	// Journal is the change journal's path.
	Journal string
	// LockTimeout is how long Begin waits for another writer.
	LockTimeout time.Duration
	// Note, when set, receives what the engine did besides the write
	// itself (an interrupted write it finished), one line each.
	Note func(string)
}

// Options decide how a change set is planned.
type Options struct {
	// MaxShare (0..1) and MinPTRs are the mass-change guard: 0 disables it.
	MaxShare float64
	MinPTRs  int
	// Force lets a write over the guard go ahead.
	Force bool
}

// Plan is a change set and its prepared write. A plan is always made, even
// one the guard would refuse to write: Refusal says why, and Commit refuses
// it.
type Plan struct {
	Changes rdns.ChangeSet
	Write   Prepared
	Refusal *GuardError
	// Blocked, when not nil, is why the zone set allows no such write
	// (a *zoneset.WriteError: an origin claimed by two files, a read-only
	// zone, the space of a zone that failed to load); Force does not lift
	// it, and Commit refuses the plan.
	Blocked error
}

// Empty says whether the plan changes nothing.
func (p *Plan) Empty() bool { return p.Changes.Empty() && p.Write.Empty() }

// Plan prepares the change set (sorted) for writing. It takes no lock and
// writes nothing: it is the preview.
func (e *Engine) Plan(ctx context.Context, s *zoneset.Set, req Request, opt Options) (*Plan, error) {
	if err := ctx.Err(); err != nil {
		return nil, &interruptedError{err}
	}
	req.Changes.Sort()
	w, err := e.Backend.Prepare(ctx, s, req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, &interruptedError{ctx.Err()}
		}
		return nil, err
	}
	p := &Plan{Changes: req.Changes, Write: w}
	if !p.Empty() {
		zones := slices.Clone(req.Retire)
		for _, x := range req.Extra {
			zones = append(zones, x.Zone)
		}
		p.Blocked = s.CheckWrite(req.Changes, zones...)
	}
	if opt.MaxShare > 0 && !opt.Force {
		p.Refusal = Guard(s, req.Changes, opt.MaxShare, opt.MinPTRs)
	}
	return p, nil
}

// Txn is a writer holding the zone set's lock.
type Txn struct {
	e    *Engine
	lock *journal.Lock
}

// Begin takes the zone set's locks (waiting up to LockTimeout, returning
// at once when ctx is done) and finishes an interrupted write. Close the
// Txn to release the locks.
func (e *Engine) Begin(ctx context.Context) (*Txn, error) {
	l, err := journal.AcquireAll(ctx, e.Backend.Locks(), e.LockTimeout)
	if err != nil {
		if ctx.Err() != nil {
			return nil, &interruptedError{err}
		}
		return nil, err
	}
	t := &Txn{e: e, lock: l}
	if err := e.recover(ctx); err != nil {
		t.Close()
		return nil, err
	}
	return t, nil
}

// Close releases the locks.
func (t *Txn) Close() error {
	if t == nil {
		return nil
	}
	return t.lock.Release()
}

func (e *Engine) batchPath() string { return filepath.Join(e.Backend.StateDir(), BatchName) }

func (e *Engine) note(format string, args ...any) {
	if e.Note != nil {
		e.Note(fmt.Sprintf(format, args...))
	}
}

// recover finishes a write a killed writer left: the backend's part, then
// its journal lines, exactly once.
func (e *Engine) recover(ctx context.Context) error {
	rec, err := e.Backend.Recover(ctx)
	for _, d := range rec.Done {
		e.note("%s", d)
	}
	if err != nil {
		return fmt.Errorf("finishing an interrupted write: %w", err)
	}
	batch := e.batchPath()
	if !rec.Pending {
		// a batch without a committed write belongs to one that changed
		// nothing
		return journal.DropBatch(batch)
	}
	if !rec.Applied.All {
		if err := e.filterBatch(batch, rec.Applied.Some); err != nil {
			return fmt.Errorf("recording an interrupted write: %w", err)
		}
	}
	if _, err := os.Lstat(batch); errors.Is(err, os.ErrNotExist) {
		// the write was made by a zone set with another state directory
		// (more zones directories than this one), which keeps its journal
		// lines: its next writer records them
		e.note("the interrupted write's journal lines are not in %s: the next write of the zone set that made it records them", e.Backend.StateDir())
		return e.Backend.Settle()
	}
	n, err := journal.AppendBatch(e.Journal, batch)
	if err != nil {
		return fmt.Errorf("recording an interrupted write's changes in %s: %w (nothing else written)", e.Journal, err)
	}
	if n > 0 {
		e.note("recorded the interrupted write's %d change(s) in %s", n, e.Journal)
	} else {
		e.note("the interrupted write's changes were already in %s", e.Journal)
	}
	if err := e.Backend.Settle(); err != nil {
		return err
	}
	return journal.DropBatch(batch)
}

// filterBatch keeps only the lines of the given indices in the batch.
func (e *Engine) filterBatch(path string, keep []int) error {
	entries, _, err := journal.ReadFile(path, journal.Filter{})
	if err != nil {
		return err
	}
	var kept []journal.Entry
	for _, i := range keep {
		if i >= 0 && i < len(entries) {
			kept = append(kept, entries[i])
		}
	}
	return journal.WriteBatch(path, len(kept), func(i int) *journal.Entry { return &kept[i] })
}

// Record is who and what a write is recorded as in the journal.
type Record struct {
	Operator string
	Command  string
	Ticket   string // for changes that carry none
	Now      time.Time
}

// Result is what a commit did.
type Result struct {
	// Committed is the number of changes now live and journaled.
	Committed int
	// InterruptedAfterCommit: ctx was done once the commit point had
	// passed, so the write and its journal were finished anyway.
	InterruptedAfterCommit bool
}

// Commit applies the plan and journals what was applied. A plan the guard
// refused returns its GuardError, writing nothing. When ctx is done before
// the commit point, nothing is written and the error matches
// ErrInterrupted.
func (t *Txn) Commit(ctx context.Context, p *Plan, r Record) (Result, error) {
	e := t.e
	var res Result
	if p.Blocked != nil {
		return res, p.Blocked
	}
	if p.Refusal != nil {
		return res, p.Refusal
	}
	if p.Empty() {
		return res, nil
	}
	if err := ctx.Err(); err != nil {
		return res, &interruptedError{err}
	}
	// an unwritable journal stops the write before anything changes
	j, err := journal.Open(e.Journal)
	if err != nil {
		return res, fmt.Errorf("%w (nothing written)", err)
	}
	j.Close()
	changes := p.Changes.Changes
	batch := e.batchPath()
	var ent journal.Entry
	entry := func(i int) *journal.Entry {
		ent = Entry(&changes[i], r)
		return &ent
	}
	if err := journal.WriteBatch(batch, len(changes), entry); err != nil {
		return res, fmt.Errorf("%w (nothing written)", err)
	}
	applied, err := p.Write.Apply(ctx)
	n := applied.Count(len(changes))
	if n == 0 && !applied.All {
		_ = journal.DropBatch(batch)
		if err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			return res, &interruptedError{err}
		}
		return res, err
	}
	applyErr := err
	if !applied.All {
		if err := journal.WriteBatch(batch, len(applied.Some), func(i int) *journal.Entry {
			ent = Entry(&changes[applied.Some[i]], r)
			return &ent
		}); err != nil {
			return res, &JournalError{Targets: p.Write.Targets(), Batch: batch, Err: err}
		}
	}
	if _, err := journal.AppendBatch(e.Journal, batch); err != nil {
		return res, &JournalError{Targets: p.Write.Targets(), Batch: batch, Err: err}
	}
	res.Committed = n
	if applyErr == nil {
		if err := e.Backend.Settle(); err != nil {
			return res, err
		}
		if err := journal.DropBatch(batch); err != nil && !errors.Is(err, os.ErrNotExist) {
			return res, err
		}
	}
	res.InterruptedAfterCommit = ctx.Err() != nil
	return res, applyErr
}

// Entry is the journal entry of one change.
func Entry(c *rdns.Change, r Record) journal.Entry {
	ip := ""
	if c.Addr.IsValid() {
		ip = c.Addr.String()
	}
	ticket := c.Ticket
	if ticket == "" {
		ticket = r.Ticket
	}
	return journal.Entry{Time: r.Now.UTC(), Operator: r.Operator, Command: r.Command, Ticket: ticket, Customer: c.Customer,
		Action: string(c.Action), Zone: c.Zone, File: c.File, Name: c.Name, IP: ip, Type: c.Type,
		Old: c.Old, New: c.New, Reason: c.Reason}
}
