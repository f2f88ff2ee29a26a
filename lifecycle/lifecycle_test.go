package lifecycle

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rdnsctl/rdnsctl/rdns"
	"github.com/rdnsctl/rdnsctl/zoneset"
)

func defaults(t testing.TB) rdns.Defaults {
	t.Helper()
	var d rdns.Defaults
	for _, x := range []struct{ prefix, tmpl string }{
		{"198.51.100.0/24", "{dashed}.customers.example.net."},
		{"2001:db8:100::/48", "{dashed}.v6.customers.example.net."},
	} {
		tm, err := rdns.ParseTemplate(x.tmpl)
		if err != nil {
			t.Fatal(err)
		}
		d = append(d, rdns.Default{Prefix: netip.MustParsePrefix(x.prefix), Template: tm})
	}
	return d
}

func load(t testing.TB, paths ...string) *zoneset.Set {
	t.Helper()
	var specs []zoneset.Spec
	for _, p := range paths {
		specs = append(specs, zoneset.Spec{Path: filepath.Join("..", "examples", "zones", p)})
	}
	s, err := zoneset.Load(specs, zoneset.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func ev(kind Kind, ip string, kv ...string) Event {
	e := Event{Kind: kind, IP: ip}
	for i := 0; i+1 < len(kv); i += 2 {
		switch kv[i] {
		case "hostname":
			e.Hostname = kv[i+1]
		case "customer":
			e.Customer = kv[i+1]
		case "ticket":
			e.Ticket = kv[i+1]
		}
	}
	return e
}

// validator answers like a forward lookup: names in fwd resolve to their
// address, others do not exist.
func validator(fwd map[string]string) func(netip.Addr, string) error {
	return func(a netip.Addr, name string) error {
		got, ok := fwd[name]
		switch {
		case !ok:
			return fmt.Errorf("refused: %s has no A record or does not exist, so it does not resolve to %s", name, a)
		case got != a.String():
			return fmt.Errorf("refused: %s resolves to %s, not %s", name, got, a)
		}
		return nil
	}
}

func TestPlan(t *testing.T) {
	all := load(t, "")
	parentOnly := load(t, "db.198.51.100")
	fwd := map[string]string{"mail.customer.example.": "198.51.100.44", "elsewhere.customer.example.": "192.0.2.9"}
	tests := []struct {
		name     string
		set      *zoneset.Set
		events   []Event
		opt      Options
		changes  []string // "action ip old -> new"
		nchanges int      // instead of changes: how many
		problems []string // substrings, one per problem, in order
	}{
		{name: "provision a free address that has its default", events: []Event{ev(Provision, "198.51.100.44", "customer", "C-1")}},
		{name: "provision an address without PTR", events: []Event{ev(Provision, "198.51.100.50", "customer", "C-1")},
			changes: []string{"add 198.51.100.50  -> 198-51-100-50.customers.example.net."}},
		{name: "provision with a custom name", events: []Event{ev(Provision, "198.51.100.44", "customer", "C-1", "hostname", "Mail.Customer.Example")},
			opt:     Options{Validate: validator(fwd)},
			changes: []string{"replace 198.51.100.44 198-51-100-44.customers.example.net. -> mail.customer.example."}},
		{name: "set", events: []Event{ev(Set, "198.51.100.44", "hostname", "mail.customer.example.")}, opt: Options{Validate: validator(fwd)},
			changes: []string{"replace 198.51.100.44 198-51-100-44.customers.example.net. -> mail.customer.example."}},
		{name: "set refused, the rest planned",
			events: []Event{ev(Set, "198.51.100.44", "hostname", "elsewhere.customer.example"), ev(Set, "198.51.100.12", "hostname", "nx.customer.example"),
				ev(Deprovision, "198.51.100.45")},
			opt:     Options{Validate: validator(fwd)},
			changes: []string{"replace 198.51.100.45 mx1.bakery.example. -> 198-51-100-45.customers.example.net."},
			problems: []string{"set 198.51.100.44: refused: elsewhere.customer.example. resolves to 192.0.2.9, not 198.51.100.44",
				"set 198.51.100.12: refused: nx.customer.example. has no A record or does not exist"}},
		{name: "set then unset in one batch changes nothing",
			events: []Event{ev(Set, "198.51.100.44", "hostname", "mail.customer.example"), ev(Unset, "198.51.100.44")}},
		{name: "deprovision resets a custom name", events: []Event{ev(Deprovision, "198.51.100.45")},
			changes: []string{"replace 198.51.100.45 mx1.bakery.example. -> 198-51-100-45.customers.example.net."}},
		{name: "deprovision deletes", events: []Event{ev(Deprovision, "198.51.100.45")}, opt: Options{DeprovisionDelete: true},
			changes: []string{"delete 198.51.100.45 mx1.bakery.example. -> "}},
		{name: "deprovision delete of an address without PTR", events: []Event{ev(Deprovision, "198.51.100.50")}, opt: Options{DeprovisionDelete: true}},
		{name: "unset", events: []Event{ev(Unset, "198.51.100.10")},
			changes: []string{"replace 198.51.100.10 mail.acme-widgets.example. -> 198-51-100-10.customers.example.net."}},
		{name: "IPv6 set", events: []Event{ev(Set, "2001:db8:100::25", "hostname", "mx.customer.example")},
			changes: []string{"add 2001:db8:100::25  -> mx.customer.example."}},
		{name: "address in a loaded RFC 2317 child", events: []Event{ev(Unset, "198.51.100.65")},
			changes: []string{"replace 198.51.100.65 web1.hosting.example.net. -> 198-51-100-65.customers.example.net."}},
		{name: "block", events: []Event{ev(Provision, "198.51.100.200/30", "customer", "C-2")},
			changes: []string{"replace 198.51.100.201 shop.florist.example. -> 198-51-100-201.customers.example.net.",
				"add 198.51.100.202  -> 198-51-100-202.customers.example.net.", "add 198.51.100.203  -> 198-51-100-203.customers.example.net."}},
		{name: "delegated to a zone not loaded", set: parentOnly, events: []Event{ev(Unset, "198.51.100.65")},
			problems: []string{"unset 198.51.100.65: delegated (64/26.100.51.198.in-addr.arpa.) to a zone that is not loaded"}},
		{name: "block partly delegated: one problem naming the range", set: parentOnly,
			events: []Event{ev(Provision, "198.51.100.0/25", "customer", "C-3")},
			// 0-63 but for the 5 that have their default already (2, 3, 12, 21, 44)
			nchanges: 64 - 5,
			problems: []string{"provision 198.51.100.0/25: delegated (64/26.100.51.198.in-addr.arpa.) to a zone that is not loaded: 198.51.100.64-198.51.100.127 (64 addresses)"}},
		{name: "no template", events: []Event{ev(Provision, "203.0.113.4/31")},
			problems: []string{"provision 203.0.113.4/31: no default template covers it: 203.0.113.4-203.0.113.5 (2 addresses)"}},
		{name: "no loaded zone", events: []Event{ev(Set, "2001:db8:200::1", "hostname", "x.example")},
			problems: []string{"set 2001:db8:200::1: no loaded zone covers it"}},
		{name: "no loaded zone: provision does not create one", events: []Event{ev(Provision, "2001:db8:200::1", "hostname", "x.example")},
			problems: []string{"provision 2001:db8:200::1: no loaded zone covers it (lifecycle events never create zones"}},
		{name: "custom name for a block", events: []Event{ev(Provision, "198.51.100.128/30", "hostname", "x.example")},
			problems: []string{"provision 198.51.100.128/30: a custom host name is for one address, not the block 198.51.100.128/30"}},
		{name: "custom name for a block, validating", events: []Event{ev(Provision, "198.51.100.128/30", "hostname", "x.example")},
			opt:      Options{Validate: validator(fwd)},
			problems: []string{"provision 198.51.100.128/30: a custom host name is for one address, not the block 198.51.100.128/30"}},
		{name: "set on a block", events: []Event{ev(Set, "198.51.100.128/30", "hostname", "x.example")},
			problems: []string{"set 198.51.100.128/30: set takes one address"}},
		{name: "bad host name", events: []Event{ev(Set, "198.51.100.44", "hostname", "bad..example")},
			problems: []string{"set 198.51.100.44: bad..example: "}},
		{name: "block too big", events: []Event{ev(Provision, "198.51.100.0/24")}, opt: Options{MaxBlock: 16},
			problems: []string{"provision 198.51.100.0/24: 198.51.100.0/24 has more than 16 addresses"}},
		{name: "unknown event", events: []Event{ev("frob", "198.51.100.44")},
			problems: []string{`frob 198.51.100.44: unknown event "frob"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.set
			if s == nil {
				s = all
			}
			opt := tt.opt
			opt.Defaults = defaults(t)
			for i := range tt.events {
				tt.events[i].Line = i + 1
			}
			cs, problems := Plan(s, tt.events, opt)
			var got []string
			for _, c := range cs.Changes {
				got = append(got, fmt.Sprintf("%s %s %s -> %s", c.Action, c.Addr, c.Old, c.New))
			}
			if tt.nchanges > 0 {
				if len(got) != tt.nchanges {
					t.Errorf("%d changes, want %d", len(got), tt.nchanges)
				}
			} else if strings.Join(got, "\n") != strings.Join(tt.changes, "\n") {
				t.Errorf("changes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.changes, "\n"))
			}
			if len(problems) != len(tt.problems) {
				t.Fatalf("problems: %v, want %d", problems, len(tt.problems))
			}
			for i, p := range problems {
				msg := p.Error()
				if !strings.Contains(msg, tt.problems[i]) || strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "line ") {
					t.Errorf("problem %d = %q, want one line holding %q", i, msg, tt.problems[i])
				}
			}
			// a change set names its event's customer and ticket
			for _, c := range cs.Changes {
				if c.Reason == "" || c.Type != "PTR" {
					t.Errorf("change %+v: no reason or not a PTR", c)
				}
			}
		})
	}
}

func TestPlanCarriesCustomerAndTicket(t *testing.T) {
	s := load(t, "")
	cs, problems := Plan(s, []Event{ev(Provision, "198.51.100.50", "customer", "C-7", "ticket", "PRV-7")}, Options{Defaults: defaults(t)})
	if len(problems) != 0 || len(cs.Changes) != 1 {
		t.Fatalf("%v %v", cs, problems)
	}
	if c := cs.Changes[0]; c.Customer != "C-7" || c.Ticket != "PRV-7" || c.Reason != "provision" || c.File == "" || c.Zone != "100.51.198.in-addr.arpa." {
		t.Fatalf("change %+v", c)
	}
}

func TestProblemError(t *testing.T) {
	tests := []struct {
		p    Problem
		want string
	}{
		{Problem{File: "ev.jsonl", Line: 3, Event: Event{Kind: Set, IP: "198.51.100.44"}, Err: errors.New("refused: x")}, "ev.jsonl:3: set 198.51.100.44: refused: x"},
		{Problem{Line: 3, Event: Event{Kind: Set, IP: "198.51.100.44"}, Err: errors.New("refused: x")}, "line 3: set 198.51.100.44: refused: x"},
		{Problem{Event: Event{Kind: Set, IP: "198.51.100.44"}, Err: errors.New("refused: x")}, "set 198.51.100.44: refused: x"},
		{Problem{File: "stdin", Line: 7, Err: errors.New("not a JSON event: y")}, "stdin:7: not a JSON event: y"},
		{Problem{Line: 7, Event: Event{IP: "nope"}, Err: errors.New("z")}, "line 7: nope: z"},
		{Problem{Line: 2, Event: Event{Kind: Unset, IP: "::1"}, Err: errors.Join(errors.New("a"), errors.New("b"))}, "line 2: unset ::1: a b"},
	}
	for _, tt := range tests {
		if got := tt.p.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestRanges(t *testing.T) {
	var as []netip.Addr
	for _, s := range []string{"10.0.0.5", "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.9", "10.0.0.1"} {
		as = append(as, netip.MustParseAddr(s))
	}
	if got, want := ranges(as), "10.0.0.1-10.0.0.3, 10.0.0.5, 10.0.0.9 (5 addresses)"; got != want {
		t.Errorf("ranges = %q, want %q", got, want)
	}
	as = as[:0]
	for i := 0; i < 20; i += 2 {
		as = append(as, netip.AddrFrom4([4]byte{10, 0, 0, byte(i)}))
	}
	if got, want := ranges(as), "10.0.0.0, 10.0.0.2, 10.0.0.4, 10.0.0.6, 10.0.0.8 and 5 more (10 addresses)"; got != want {
		t.Errorf("ranges = %q, want %q", got, want)
	}
	if got := ranges(as[:1]); got != "10.0.0.0" {
		t.Errorf("ranges of one = %q", got)
	}
}

func TestReadEvents(t *testing.T) {
	type evLine struct {
		kind Kind
		ip   string
		line int
	}
	tests := []struct {
		name     string
		in       string
		events   []evLine
		problems []string // "LINE: substring"
		err      string
	}{
		{name: "JSON Lines",
			in: "{\"event\":\"provision\",\"ip\":\"198.51.100.44\",\"customer\":\"C-1001\",\"ticket\":\"PRV-1\"}\n" +
				"\n# a comment\n" +
				"{\"event\":\"SET\",\"ip\":\" 198.51.100.44 \",\"hostname\":\"mail.customer.example\"}\r\n" +
				"{\"event\":\"deprovision\",\"ip\":\"198.51.100.0/30\"}\n",
			events:   []evLine{{Provision, "198.51.100.44", 1}, {Set, " 198.51.100.44 ", 4}},
			problems: []string{"5: deprovision 198.51.100.0/30: 198.51.100.0/30 is a block: an event takes one address"}},
		// issue 9.1: an event names one address; a mask never widens it
		{name: "an ip with host bits and a mask is refused, naming the line",
			in: "{\"event\":\"unset\",\"ip\":\"198.51.100.1\"}\n{\"event\":\"deprovision\",\"ip\":\"198.51.100.45/24\"}\n" +
				"{\"event\":\"deprovision\",\"ip\":\"2001:db8:100::25/64\"}\n{\"event\":\"unset\",\"ip\":\"198.51.100.2/32\"}\n",
			events: []evLine{{Unset, "198.51.100.1", 1}},
			problems: []string{
				"2: deprovision 198.51.100.45/24: 198.51.100.45/24 is not a network: did you mean the address 198.51.100.45 or the network 198.51.100.0/24?",
				"3: deprovision 2001:db8:100::25/64: 2001:db8:100::25/64 is not a network: did you mean the address 2001:db8:100::25 or the network 2001:db8:100::/64?",
				"4: unset 198.51.100.2/32: 198.51.100.2/32 is a block: an event takes one address"}},
		{name: "CSV: an ip with a mask is refused",
			in:       "event,ip\ndeprovision,198.51.100.45/30\nunset,198.51.100.0/24\nunset,::ffff:198.51.100.9\n",
			events:   []evLine{{Unset, "::ffff:198.51.100.9", 4}},
			problems: []string{"2: deprovision 198.51.100.45/30: 198.51.100.45/30 is not a network: did you mean the address 198.51.100.45 or the network 198.51.100.44/30?", "3: unset 198.51.100.0/24: 198.51.100.0/24 is a block"}},
		{name: "a hostile ip is quoted short", in: "event,ip\nunset," + strings.Repeat("9", 500) + "\n",
			problems: []string{`2: unset ` + strings.Repeat("9", 80) + `…: "` + strings.Repeat("9", 80) + `…" is not an address`}},
		{name: "JSON Lines with a BOM", in: "\xef\xbb\xbf{\"event\":\"unset\",\"ip\":\"2001:db8:100::25\"}\n",
			events: []evLine{{Unset, "2001:db8:100::25", 1}}},
		{name: "bad JSON lines reported with their numbers, the rest kept",
			in: "{\"event\":\"unset\",\"ip\":\"198.51.100.1\"}\n" +
				"{\"event\":\"unset\",\"ip\":\n" +
				"{\"event\":\"frob\",\"ip\":\"198.51.100.1\"}\n" +
				"{\"event\":\"unset\",\"ip\":\"198.51.100.300\"}\n" +
				"{\"event\":\"set\",\"ip\":\"198.51.100.2\"}\n" +
				"{\"event\":\"unset\",\"ip\":\"198.51.100.3\"}\n",
			events: []evLine{{Unset, "198.51.100.1", 1}, {Unset, "198.51.100.3", 6}},
			problems: []string{"2: not a JSON event", `3: frob 198.51.100.1: unknown event "frob"`,
				`4: unset 198.51.100.300: "198.51.100.300" is not an address`, "5: set 198.51.100.2: set needs a hostname"}},
		{name: "CSV",
			in:     "event,ip,customer,hostname,ticket\nprovision,198.51.100.44,C-1001,,PRV-1\nset,198.51.100.44,,mail.customer.example,CS-1\r\n\nDeprovision, 198.51.100.44\n",
			events: []evLine{{Provision, "198.51.100.44", 2}, {Set, "198.51.100.44", 3}, {Deprovision, "198.51.100.44", 5}}},
		{name: "CSV columns in any order, with a BOM", in: "\xef\xbb\xbfIP,Event\n198.51.100.44,unset\n",
			events: []evLine{{Unset, "198.51.100.44", 2}}},
		{name: "bad CSV lines reported with their numbers, the rest kept",
			in:       "event,ip,hostname\nset,198.51.100.44,\"a\"b\nfrob,198.51.100.1\nunset,nope\nunset,198.51.100.3\nset,198.51.100.4\n",
			events:   []evLine{{Unset, "198.51.100.3", 5}},
			problems: []string{"2: not a CSV event: column", `3: frob 198.51.100.1: unknown event "frob"`, `4: unset nope: "nope" is not an address`, "6: set 198.51.100.4: set needs a hostname"}},
		{name: "CSV with an unterminated quote (fuzz crasher)", in: "event,ip\n\"", problems: []string{"2: not a CSV event: column"}},
		{name: "CSV with a line break in the event (fuzz crasher)", in: "event,ip\n\"0\n0\",1.2.3.4\n", problems: []string{`2: "0\n0" 1.2.3.4: unknown event "0\n0"`}},
		{name: "CSV without an ip column", in: "event,address\nunset,198.51.100.1\n", err: "need a header with at least event and ip"},
		{name: "empty", in: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evs, probs, err := ReadEvents(strings.NewReader(tt.in))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []evLine
			for _, e := range evs {
				got = append(got, evLine{e.Kind, e.IP, e.Line})
				if !e.Block.IsValid() {
					t.Errorf("event %+v has no block", e)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.events) {
				t.Errorf("events %v, want %v", got, tt.events)
			}
			if len(probs) != len(tt.problems) {
				t.Fatalf("problems %v, want %v", probs, tt.problems)
			}
			for i, p := range probs {
				p.File = "ev"
				if msg := p.Error(); !strings.Contains(msg, "ev:"+tt.problems[i]) || strings.Contains(msg, "\n") {
					t.Errorf("problem %q, want one line holding %q", msg, "ev:"+tt.problems[i])
				}
			}
		})
	}
}

func FuzzReadEvents(f *testing.F) {
	f.Add([]byte("{\"event\":\"provision\",\"ip\":\"198.51.100.44\",\"customer\":\"C-1001\"}\n{\"event\":\"set\",\"ip\":\"198.51.100.44\",\"hostname\":\"mail.customer.example\"}\n"))
	f.Add([]byte("event,ip,customer,hostname,ticket\nprovision,198.51.100.44,C-1001,,PRV-1\nunset,\"198.51.100.0/30\"\n"))
	f.Add([]byte("event,ip\nset,\"a\"b\n"))
	// the hostile cases of issue 9: masks, host bits, zones, long tokens
	f.Add([]byte("{\"event\":\"deprovision\",\"ip\":\"198.51.100.45/24\"}\n{\"event\":\"unset\",\"ip\":\"2001:db8::1/64\"}\n"))
	f.Add([]byte("event,ip\ndeprovision,198.51.100.44/30\nunset,fe80::1%eth0\nunset,::ffff:198.51.100.9\n"))
	f.Add([]byte("event,ip\nunset," + strings.Repeat("9", 300) + "\n"))
	if b, err := os.ReadFile(filepath.Join("..", "examples", "ipam", "netbox-export.csv")); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		evs, probs, err := ReadEvents(strings.NewReader(string(in)))
		if err != nil {
			return
		}
		for _, e := range evs {
			if !e.Block.IsValid() || e.Line < 1 {
				t.Fatalf("event %+v: no block or no line", e)
			}
		}
		for _, p := range probs {
			if p.Line < 1 || strings.Contains(p.Error(), "\n") {
				t.Fatalf("problem %q (line %d): not one line with a line number", p.Error(), p.Line)
			}
		}
	})
}

// Issue 9: an over-long line is named by its line, in both formats, and is
// never read whole into memory.
func TestReadEventsLineTooLong(t *testing.T) {
	long := strings.Repeat("x", MaxLineBytes+1)
	for _, in := range []string{
		"{\"event\":\"unset\",\"ip\":\"198.51.100.1\"}\n{\"event\":\"unset\",\"ip\":\"198.51.100.2\"}\n{\"event\":\"" + long + "\"}\n",
		"event,ip\nunset,198.51.100.1\nunset,198.51.100.2\nunset," + long + "\n",
		"event,ip\nunset,198.51.100.1\nunset,198.51.100.2\n" + long, // no newline at all
	} {
		_, _, err := ReadEvents(strings.NewReader(in))
		var p Problem
		if !errors.As(err, &p) {
			t.Fatalf("err = %v (%T), want a Problem", err, err)
		}
		p.File = "events.jsonl"
		want := fmt.Sprintf("events.jsonl:%d: line too long (limit %d bytes)", strings.Count(in[:strings.Index(in, "xxx")], "\n")+1, MaxLineBytes)
		if p.Error() != want {
			t.Errorf("err = %q, want %q", p.Error(), want)
		}
	}
	// a line of exactly the limit is read
	ok := "event,ip\nunset,198.51.100.1" + strings.Repeat(" ", MaxLineBytes-len("unset,198.51.100.1")) + "\n"
	evs, probs, err := ReadEvents(strings.NewReader(ok))
	if err != nil || len(evs) != 1 || len(probs) != 0 {
		t.Errorf("a line at the limit: %v %v %v", evs, probs, err)
	}
}
