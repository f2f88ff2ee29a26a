// Package lifecycle plans the PTR side of an address's life at the ISP:
// provision (default PTR, or a validated custom name), set and unset of a
// customer's custom PTR, deprovision (reset to default, or delete). A batch
// of events becomes one change set: events are played in order on the
// desired state of each address, and only the difference from the zones is
// planned, so a batch applied twice changes nothing the second time.
package lifecycle

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/rdnsctl/rdnsctl/rdns"
	"github.com/rdnsctl/rdnsctl/zonefile"
	"github.com/rdnsctl/rdnsctl/zoneset"
)

// Kind of event.
type Kind string

const (
	Provision   Kind = "provision"
	Deprovision Kind = "deprovision"
	Set         Kind = "set"
	Unset       Kind = "unset"
)

// Event is one lifecycle event for an address or a block.
type Event struct {
	Kind     Kind         `json:"event"`
	Block    netip.Prefix `json:"-"`
	IP       string       `json:"ip"`
	Customer string       `json:"customer,omitempty"`
	Hostname string       `json:"hostname,omitempty"`
	Ticket   string       `json:"ticket,omitempty"`
	Line     int          `json:"-"`
}

// Problem is an event that could not be planned.
type Problem struct {
	// File names the input the event came from ("events.jsonl", "stdin");
	// empty for an event given on the command line.
	File  string
	Line  int
	Event Event
	Err   error
}

// Error is one line: where (FILE:LINE, or "line N" when the input has no
// name), what (the event and its address), and why.
func (p Problem) Error() string {
	var b strings.Builder
	switch {
	case p.Line > 0 && p.File != "":
		fmt.Fprintf(&b, "%s:%d: ", p.File, p.Line)
	case p.Line > 0:
		fmt.Fprintf(&b, "line %d: ", p.Line)
	}
	kind, ip := printable(string(p.Event.Kind)), printable(p.Event.IP)
	switch {
	case kind != "" && ip != "":
		fmt.Fprintf(&b, "%s %s: ", kind, ip)
	case kind != "":
		fmt.Fprintf(&b, "%s: ", kind)
	case ip != "":
		fmt.Fprintf(&b, "%s: ", ip)
	}
	msg := "unknown error"
	if p.Err != nil {
		msg = p.Err.Error()
	}
	// one line, whatever the cause says
	b.WriteString(strings.Join(strings.Fields(msg), " "))
	return b.String()
}

// printable quotes s when it holds spaces or characters that are not
// printable (an input field with a line break in it), and keeps at most 80
// bytes of it.
func printable(s string) string {
	for _, r := range s {
		if r == ' ' || !unicode.IsPrint(r) {
			return rdns.Quote(s, 80)
		}
	}
	return rdns.Clip(s, 80)
}

// Options tune Plan.
type Options struct {
	Defaults rdns.Defaults
	// DeprovisionDelete deletes the PTR on deprovision instead of
	// resetting it to the default.
	DeprovisionDelete bool
	// Validate checks that a custom name resolves to the address; nil
	// skips validation (--no-validate).
	Validate func(a netip.Addr, name string) error
	// MaxBlock bounds the addresses one event's block may hold.
	MaxBlock int
}

type desired struct {
	name     string // "" = no PTR
	customer string
	ticket   string
	kind     Kind
	event    int // index of the event that decided it
}

// Plan turns events into one change set. Events that cannot be planned are
// returned as problems, one per event (an event for a block that fails at
// several addresses names them as ranges); the others are still planned.
func Plan(s *zoneset.Set, events []Event, opt Options) (rdns.ChangeSet, []Problem) {
	if opt.MaxBlock <= 0 {
		opt.MaxBlock = 65536
	}
	// validate custom names first, in parallel (each is DNS round trips)
	valid := validateAll(events, opt)
	addrErrs := make([]addrErrors, len(events))
	failed := make([]bool, len(events))
	var problems []Problem
	want := map[netip.Addr]desired{}
	var order []netip.Addr
	for i, ev := range events {
		if err := valid[i]; err != nil {
			problems = append(problems, Problem{Line: ev.Line, Event: ev, Err: err})
			failed[i] = true
			continue
		}
		addrs, err := addrsOf(ev, opt.MaxBlock)
		if err != nil {
			problems = append(problems, Problem{Line: ev.Line, Event: ev, Err: err})
			failed[i] = true
			continue
		}
		for _, a := range addrs {
			d := desired{customer: ev.Customer, ticket: ev.Ticket, kind: ev.Kind, event: i}
			switch ev.Kind {
			case Set:
				d.name = rdns.CanonicalHostname(ev.Hostname)
			case Provision:
				if ev.Hostname != "" {
					d.name = rdns.CanonicalHostname(ev.Hostname)
				} else if d.name = opt.Defaults.Render(a); d.name == "" {
					addrErrs[i].add(a, "no default template covers it")
					continue
				}
			case Unset, Deprovision:
				if ev.Kind == Deprovision && opt.DeprovisionDelete {
					break
				}
				if d.name = opt.Defaults.Render(a); d.name == "" {
					addrErrs[i].add(a, "no default template covers it")
					continue
				}
			}
			if _, ok := want[a]; !ok {
				order = append(order, a)
			}
			want[a] = d
		}
	}
	var cs rdns.ChangeSet
	for _, a := range order {
		d := want[a]
		changes, err := diff(s, a, d, opt)
		if err != nil {
			addrErrs[d.event].add(a, err.Error())
			continue
		}
		cs.Changes = append(cs.Changes, changes...)
	}
	for i, ev := range events {
		if !failed[i] && len(addrErrs[i].addrs) > 0 {
			problems = append(problems, Problem{Line: ev.Line, Event: ev, Err: addrErrs[i].err(ev)})
		}
	}
	slices.SortStableFunc(problems, func(a, b Problem) int { return a.Line - b.Line })
	cs.Sort()
	return cs, problems
}

// addrErrors collects the addresses of one event that could not be planned,
// by cause.
type addrErrors struct {
	msgs  []string
	addrs map[string][]netip.Addr
}

func (e *addrErrors) add(a netip.Addr, msg string) {
	if e.addrs == nil {
		e.addrs = map[string][]netip.Addr{}
	}
	if _, ok := e.addrs[msg]; !ok {
		e.msgs = append(e.msgs, msg)
	}
	e.addrs[msg] = append(e.addrs[msg], a)
}

// err is one line: the cause alone for an event of one address, else each
// cause with the addresses it hit, as ranges.
func (e *addrErrors) err(ev Event) error {
	b := ev.Block
	if !b.IsValid() {
		b, _ = ParseTarget(ev.IP)
	}
	single := b.IsValid() && b.IsSingleIP()
	parts := make([]string, 0, len(e.msgs))
	for _, m := range e.msgs {
		if single {
			parts = append(parts, m)
			continue
		}
		as := e.addrs[m]
		parts = append(parts, fmt.Sprintf("%s: %s", m, ranges(as)))
	}
	return errors.New(strings.Join(parts, "; "))
}

// ranges writes addresses as "a-b, c, d-e (N addresses)", at most five ranges.
func ranges(as []netip.Addr) string {
	as = slices.Clone(as)
	slices.SortFunc(as, netip.Addr.Compare)
	as = slices.Compact(as)
	var parts []string
	more := 0
	for i := 0; i < len(as); {
		j := i
		for j+1 < len(as) && as[j].Next() == as[j+1] {
			j++
		}
		if len(parts) == 5 {
			more += j - i + 1
		} else if j == i {
			parts = append(parts, as[i].String())
		} else {
			parts = append(parts, as[i].String()+"-"+as[j].String())
		}
		i = j + 1
	}
	out := strings.Join(parts, ", ")
	if more > 0 {
		out += fmt.Sprintf(" and %d more", more)
	}
	if len(as) > 1 {
		out += fmt.Sprintf(" (%d addresses)", len(as))
	}
	return out
}

// diff plans the changes that give a the desired PTR.
func diff(s *zoneset.Set, a netip.Addr, d desired, opt Options) ([]rdns.Change, error) {
	l := s.Lookup(a)
	reason := string(d.kind)
	switch l.Status {
	case zoneset.Delegated:
		return nil, fmt.Errorf("delegated (%s) to a zone that is not loaded", l.Cut)
	case zoneset.Unmanaged:
		if d.name == "" {
			return nil, nil
		}
		// A lifecycle event never creates a zone: a new zone file beside
		// the real one (which may have failed to load) would be served by
		// nobody, or shadow it. block-init creates zones when asked.
		for _, nl := range s.NotLoaded {
			if nl.Prefix.IsValid() && nl.Prefix.Contains(a) {
				return nil, fmt.Errorf("zone %s (%s) could not be loaded, and lifecycle events never create zones: %v", nl.Origin, nl.Path, nl.Err)
			}
		}
		return nil, errors.New("no loaded zone covers it (lifecycle events never create zones: load the zone that holds it, or create it with block-init)")
	}
	z := l.Zone
	var out []rdns.Change
	kept := false
	for _, i := range l.PTRs {
		r := &z.Records[i]
		if r.Type != zonefile.TypePTR {
			continue
		}
		if r.Data == d.name && !kept {
			kept = true
			continue
		}
		out = append(out, rdns.Change{Action: rdns.Delete, Zone: z.Origin, File: z.FileOf(r), Line: int(r.Line), Name: r.Name, Addr: a,
			Type: "PTR", Old: r.Data, Reason: reason, Customer: d.customer, Ticket: d.ticket})
	}
	if d.name != "" && !kept {
		if len(out) > 0 {
			out[0].Action, out[0].New = rdns.Replace, d.name
		} else {
			out = append(out, rdns.Change{Action: rdns.Add, Zone: z.Origin, File: z.Path, Name: l.Owner, Addr: a, Type: "PTR", New: d.name,
				Reason: reason, Customer: d.customer, Ticket: d.ticket})
		}
	}
	return out, nil
}

func addrsOf(ev Event, max int) ([]netip.Addr, error) {
	b := ev.Block
	if !b.IsValid() {
		p, err := ParseTarget(ev.IP)
		if err != nil {
			return nil, err
		}
		b = p
	}
	if hb := b.Addr().BitLen() - b.Bits(); hb > 30 || 1<<hb > max {
		return nil, fmt.Errorf("%s has more than %d addresses", b, max)
	}
	if !b.IsSingleIP() && ev.Kind == Set {
		return nil, fmt.Errorf("set takes one address, not the block %s", b)
	}
	if !b.IsSingleIP() && ev.Hostname != "" {
		return nil, fmt.Errorf("a custom host name is for one address, not the block %s", b)
	}
	var out []netip.Addr
	for a := b.Addr(); a.IsValid() && b.Contains(a); a = a.Next() {
		out = append(out, a)
	}
	return out, nil
}

// ParseTarget reads the IP|CIDR argument of a command: an address, or a
// network (rdns.ParseBlock: a CIDR with host bits set is refused, never
// masked into the block it lies in).
func ParseTarget(s string) (netip.Prefix, error) {
	return rdns.ParseBlock(strings.TrimSpace(s))
}

// validateAll checks every custom name of the events (host-name rules, and
// Validate when set), 32 at a time.
func validateAll(events []Event, opt Options) []error {
	errs := make([]error, len(events))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	for i, ev := range events {
		switch ev.Kind {
		case Provision, Deprovision, Set, Unset:
		default:
			errs[i] = fmt.Errorf("unknown event %s (want provision, deprovision, set, unset)", rdns.Quote(string(ev.Kind), 80))
			continue
		}
		if ev.Kind == Set && ev.Hostname == "" {
			errs[i] = errors.New("set needs a hostname")
			continue
		}
		if ev.Hostname == "" || (ev.Kind != Set && ev.Kind != Provision) {
			continue
		}
		if err := rdns.CheckHostname(ev.Hostname); err != nil {
			errs[i] = fmt.Errorf("%s: %w", rdns.Clip(ev.Hostname, 80), err)
			continue
		}
		if opt.Validate == nil {
			continue
		}
		p, err := ParseTarget(ev.IP)
		if err != nil {
			errs[i] = err
			continue
		}
		if !p.IsSingleIP() {
			errs[i] = fmt.Errorf("a custom host name is for one address, not the block %s", p)
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func(i int, a netip.Addr, name string) {
			defer wg.Done()
			defer func() { <-sem }()
			errs[i] = opt.Validate(a, rdns.CanonicalHostname(name))
		}(i, p.Addr(), ev.Hostname)
	}
	wg.Wait()
	return errs
}

// MaxLineBytes is the longest line ReadEvents reads: an event is a few
// hundred bytes, and a line of gigabytes must not be held in memory.
const MaxLineBytes = 1 << 20

// ReadEvents reads a batch of events: JSON Lines, or CSV with a header
// (event, ip, customer, hostname, ticket). Each event names one address.
// Bad lines are returned as problems with their line numbers; the rest are
// returned as events. A line over MaxLineBytes ends the read with a Problem
// naming its line (set its File to say where).
func ReadEvents(r io.Reader) ([]Event, []Problem, error) {
	br := bufio.NewReader(&lineLimit{r: r, max: MaxLineBytes})
	peek, _ := br.Peek(512)
	peek = bytes.TrimPrefix(peek, []byte("\xef\xbb\xbf"))
	if len(bytes.TrimSpace(peek)) > 0 && bytes.TrimSpace(peek)[0] == '{' {
		return readJSONL(br)
	}
	return readCSV(br)
}

func readJSONL(r io.Reader) ([]Event, []Problem, error) {
	var evs []Event
	var probs []Problem
	sc := bufio.NewScanner(r)
	// lineLimit stops an over-long line first, with its line number
	sc.Buffer(make([]byte, 64*1024), MaxLineBytes+64*1024)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(bytes.TrimPrefix(sc.Bytes(), []byte("\xef\xbb\xbf")))
		if len(b) == 0 || b[0] == '#' {
			continue
		}
		var ev Event
		if err := json.Unmarshal(b, &ev); err != nil {
			probs = append(probs, Problem{Line: line, Err: fmt.Errorf("not a JSON event: %v", err)})
			continue
		}
		ev.Line = line
		ev.Kind = Kind(strings.ToLower(string(ev.Kind)))
		if p := checkEvent(&ev); p != nil {
			probs = append(probs, *p)
			continue
		}
		evs = append(evs, ev)
	}
	return evs, probs, sc.Err()
}

func readCSV(r io.Reader) ([]Event, []Problem, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		if err == io.EOF {
			return nil, nil, nil
		}
		return nil, nil, err
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\xef\xbb\xbf")))] = i
	}
	if _, ok := col["event"]; !ok {
		return nil, nil, errors.New("CSV events need a header with at least event and ip columns")
	}
	if _, ok := col["ip"]; !ok {
		return nil, nil, errors.New("CSV events need a header with at least event and ip columns")
	}
	get := func(rec []string, k string) string {
		if i, ok := col[k]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	var evs []Event
	var probs []Problem
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			// not FieldPos: it panics when the record has no field
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return evs, probs, err
			}
			probs = append(probs, Problem{Line: pe.Line, Err: fmt.Errorf("not a CSV event: column %d: %w", pe.Column, pe.Err)})
			continue
		}
		line, _ := cr.FieldPos(0)
		ev := Event{Kind: Kind(strings.ToLower(get(rec, "event"))), IP: get(rec, "ip"), Customer: get(rec, "customer"),
			Hostname: get(rec, "hostname"), Ticket: get(rec, "ticket"), Line: line}
		if p := checkEvent(&ev); p != nil {
			probs = append(probs, *p)
			continue
		}
		evs = append(evs, ev)
	}
	return evs, probs, nil
}

func checkEvent(ev *Event) *Problem {
	if !slices.Contains([]Kind{Provision, Deprovision, Set, Unset}, ev.Kind) {
		return &Problem{Line: ev.Line, Event: *ev, Err: fmt.Errorf("unknown event %s (want provision, deprovision, set, unset)", rdns.Quote(string(ev.Kind), 80))}
	}
	// An event names one address: a batch that widened an event to a
	// block would change addresses nobody asked for.
	a, err := rdns.ParseAddr(strings.TrimSpace(ev.IP))
	if err != nil {
		if p, perr := rdns.ParsePrefix(strings.TrimSpace(ev.IP)); perr == nil {
			err = fmt.Errorf("%s is a block: an event takes one address (give each address its own event)", p)
		} else if strings.Contains(ev.IP, "/") {
			err = perr
		}
		return &Problem{Line: ev.Line, Event: *ev, Err: err}
	}
	ev.Block = netip.PrefixFrom(a, a.BitLen())
	if ev.Kind == Set && ev.Hostname == "" {
		return &Problem{Line: ev.Line, Event: *ev, Err: errors.New("set needs a hostname")}
	}
	return nil
}

// lineLimit passes r through until a line grows over max bytes, and then
// fails with a Problem naming the line.
type lineLimit struct {
	r    io.Reader
	max  int
	line int // lines ended so far
	cur  int // bytes of the current line
	err  error
}

func (l *lineLimit) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	n, err := l.r.Read(p)
	b := p[:n]
	for off := 0; off < len(b); {
		i := bytes.IndexByte(b[off:], '\n')
		if i < 0 {
			l.cur += len(b) - off
			break
		}
		l.cur += i
		if l.cur > l.max {
			break
		}
		l.line++
		l.cur = 0
		off += i + 1
	}
	if l.cur > l.max {
		l.err = Problem{Line: l.line + 1, Err: fmt.Errorf("line too long (limit %d bytes)", l.max)}
		return 0, l.err
	}
	return n, err
}
