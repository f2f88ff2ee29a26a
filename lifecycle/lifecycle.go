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

	"github.com/miekg/dns"

	"github.com/rdnsctl/rdnsctl/rdns"
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
	Line  int
	Event Event
	Err   error
}

func (p Problem) Error() string {
	if p.Line > 0 {
		return fmt.Sprintf("line %d: %s %s: %v", p.Line, p.Event.Kind, p.Event.IP, p.Err)
	}
	return fmt.Sprintf("%s %s: %v", p.Event.Kind, p.Event.IP, p.Err)
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
	// NewZone names the zone and file of an address no loaded zone covers.
	NewZone func(a netip.Addr) (origin, file string)
	// MaxBlock bounds the addresses one event's block may hold.
	MaxBlock int
}

type desired struct {
	name     string // "" = no PTR
	customer string
	ticket   string
	kind     Kind
}

// Plan turns events into one change set. Events that cannot be planned are
// returned as problems; the others are still planned.
func Plan(s *zoneset.Set, events []Event, opt Options) (rdns.ChangeSet, []Problem) {
	var problems []Problem
	if opt.MaxBlock <= 0 {
		opt.MaxBlock = 65536
	}
	// validate custom names first, in parallel (each is DNS round trips)
	valid := validateAll(events, opt)
	want := map[netip.Addr]desired{}
	var order []netip.Addr
	for i, ev := range events {
		if err := valid[i]; err != nil {
			problems = append(problems, Problem{ev.Line, ev, err})
			continue
		}
		addrs, err := addrsOf(ev, opt.MaxBlock)
		if err != nil {
			problems = append(problems, Problem{ev.Line, ev, err})
			continue
		}
		var evProblems []error
		for _, a := range addrs {
			d := desired{customer: ev.Customer, ticket: ev.Ticket, kind: ev.Kind}
			switch ev.Kind {
			case Set:
				d.name = rdns.CanonicalHostname(ev.Hostname)
			case Provision:
				if ev.Hostname != "" {
					d.name = rdns.CanonicalHostname(ev.Hostname)
				} else if d.name = opt.Defaults.Render(a); d.name == "" {
					evProblems = append(evProblems, fmt.Errorf("%s: no default template covers it", a))
					continue
				}
			case Unset, Deprovision:
				if ev.Kind == Deprovision && opt.DeprovisionDelete {
					break
				}
				if d.name = opt.Defaults.Render(a); d.name == "" {
					evProblems = append(evProblems, fmt.Errorf("%s: no default template covers it", a))
					continue
				}
			}
			if _, ok := want[a]; !ok {
				order = append(order, a)
			}
			want[a] = d
		}
		if len(evProblems) > 0 {
			problems = append(problems, Problem{ev.Line, ev, errors.Join(evProblems...)})
		}
	}
	var cs rdns.ChangeSet
	for _, a := range order {
		d := want[a]
		cs.Changes = append(cs.Changes, diff(s, a, d, opt, &problems)...)
	}
	cs.Sort()
	return cs, problems
}

// diff plans the changes that give a the desired PTR.
func diff(s *zoneset.Set, a netip.Addr, d desired, opt Options, problems *[]Problem) []rdns.Change {
	l := s.Lookup(a)
	reason := string(d.kind)
	switch l.Status {
	case zoneset.Delegated:
		*problems = append(*problems, Problem{Event: Event{Kind: d.kind, IP: a.String()}, Err: fmt.Errorf("delegated (%s) to a zone that is not loaded", l.Cut)})
		return nil
	case zoneset.Unmanaged:
		if d.name == "" {
			return nil
		}
		if opt.NewZone == nil {
			*problems = append(*problems, Problem{Event: Event{Kind: d.kind, IP: a.String()}, Err: errors.New("no loaded zone covers it")})
			return nil
		}
		origin, file := opt.NewZone(a)
		return []rdns.Change{{Action: rdns.Add, Zone: origin, File: file, Name: rdns.ReverseName(a), Addr: a, Type: "PTR", New: d.name,
			Reason: reason, Customer: d.customer, Ticket: d.ticket}}
	}
	z := l.Zone
	var out []rdns.Change
	kept := false
	for _, i := range l.PTRs {
		r := &z.Records[i]
		if r.Type != dns.TypePTR {
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
	return out
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
	if b.Bits() != b.Addr().BitLen() && ev.Kind == Set {
		return nil, fmt.Errorf("set takes one address, not the block %s", b)
	}
	var out []netip.Addr
	for a := b.Addr(); a.IsValid() && b.Contains(a); a = a.Next() {
		out = append(out, a)
	}
	return out, nil
}

// ParseTarget reads an address or a CIDR block.
func ParseTarget(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not an address or a CIDR block", s)
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
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
			errs[i] = fmt.Errorf("unknown event %q (want provision, deprovision, set, unset)", ev.Kind)
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
			errs[i] = fmt.Errorf("%s: %w", ev.Hostname, err)
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

// ReadEvents reads a batch of events: JSON Lines, or CSV with a header
// (event, ip, customer, hostname, ticket). Bad lines are returned as
// problems with their line numbers; the rest are returned as events.
func ReadEvents(r io.Reader) ([]Event, []Problem, error) {
	br := bufio.NewReader(r)
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
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
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
		line, _ := cr.FieldPos(0)
		if err != nil {
			probs = append(probs, Problem{Line: line, Err: err})
			continue
		}
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
		return &Problem{ev.Line, *ev, fmt.Errorf("unknown event %q (want provision, deprovision, set, unset)", ev.Kind)}
	}
	p, err := ParseTarget(ev.IP)
	if err != nil {
		return &Problem{ev.Line, *ev, err}
	}
	ev.Block = p
	if ev.Kind == Set && ev.Hostname == "" {
		return &Problem{ev.Line, *ev, errors.New("set needs a hostname")}
	}
	return nil
}
