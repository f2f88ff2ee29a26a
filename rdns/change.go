package rdns

import (
	"cmp"
	"net/netip"
	"slices"
)

// Action is what a Change does to one record.
type Action string

const (
	Add     Action = "add"
	Replace Action = "replace"
	Delete  Action = "delete"
)

// Change is one planned edit of one record, plain data so that it can be
// previewed, serialised as the JSON report, and applied by the patch writer.
// Old and New are the record's RDATA (for PTR, CNAME and NS the absolute,
// lower-case target with its final dot). Zone is the origin of the zone the
// record lives in; File is the file it is (or will be) written to.
type Change struct {
	Action Action     `json:"action"`
	Zone   string     `json:"zone"`
	File   string     `json:"file"`
	Line   int        `json:"line,omitempty"` // of the existing record, for replace and delete
	Name   string     `json:"name"`
	Addr   netip.Addr `json:"ip"`
	Type   string     `json:"type"`
	Old    string     `json:"old"`
	New    string     `json:"new"`
	Reason string     `json:"reason,omitempty"`
	// Range is set for Type GENERATE: the $GENERATE range (start-stop) of
	// a line that Name (the owner template, absolute, with $) and New or
	// Old (the target template) complete. On a per-address change that
	// Generate marks, it is the range of that line.
	Range string `json:"range,omitempty"`
	// Generate marks a per-address change (PTR or CNAME, Addr set) as one
	// address of a $GENERATE line: the target template of the line, which
	// gives New for this address. On replace it is the new template of the
	// line that makes the record; on add, the template of the line to write
	// over Range (owners $ under the parent of Name). When a change set
	// holds such a change for every address of the line, and the template
	// gives each New, the zone writer rewrites or writes the one line
	// instead of one record per address; otherwise it writes records.
	// Counting, the guard and the journal see one change per address.
	Generate string `json:"generate,omitempty"`
	// Customer and Ticket, when known, go to the change journal.
	Customer string `json:"customer,omitempty"`
	Ticket   string `json:"ticket,omitempty"`
}

// ChangeSet is the plan every changing verb returns.
type ChangeSet struct {
	Changes []Change `json:"changes"`
}

// Sort orders the changes by address, then zone, owner, type and action, so
// that output is stable.
func (cs *ChangeSet) Sort() {
	slices.SortStableFunc(cs.Changes, func(a, b Change) int {
		if c := a.Addr.Compare(b.Addr); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Zone, b.Zone); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Type, b.Type); c != 0 {
			return c
		}
		return cmp.Compare(actionRank(a.Action), actionRank(b.Action))
	})
}

// deletes first, so that a delete and an add at one name read in order
func actionRank(a Action) int {
	switch a {
	case Delete:
		return 0
	case Replace:
		return 1
	}
	return 2
}

// Empty reports whether the plan changes nothing.
func (cs *ChangeSet) Empty() bool { return len(cs.Changes) == 0 }

// Summary counts a change set.
type Summary struct {
	Zones    int `json:"zones"`
	Added    int `json:"added"`
	Replaced int `json:"replaced"`
	Deleted  int `json:"deleted"`
	// Unchanged is filled in by the verb that planned the change: the
	// records it looked at and left alone.
	Unchanged int `json:"unchanged"`
}

// Summarize counts the changes by action and the distinct zones they touch.
func (cs *ChangeSet) Summarize() Summary {
	var s Summary
	zones := map[string]bool{}
	for _, c := range cs.Changes {
		zones[c.Zone] = true
		switch c.Action {
		case Add:
			s.Added++
		case Replace:
			s.Replaced++
		case Delete:
			s.Deleted++
		}
	}
	s.Zones = len(zones)
	return s
}

// Progress is how domain code reports work done on long runs; the command
// line draws it as a progress bar, tests ignore it. A nil Progress is
// allowed wherever one is taken: use Tick.
type Progress interface {
	Add(n int)
}

// Tick adds n to p when p is not nil.
func Tick(p Progress, n int) {
	if p != nil {
		p.Add(n)
	}
}
