package rfc2136

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	"github.com/miekg/dns"

	"github.com/rdnsctl/rdnsctl/rdns"
)

// Defaults of PushOptions.
const (
	DefaultBatch = 500
	// MaxMessage is the largest UPDATE Push sends, below the 64 KiB that a
	// DNS message over TCP can hold, with room for the TSIG record.
	MaxMessage = 65535 - 512
)

// PushOptions tune Push.
type PushOptions struct {
	// Batch is the most changes one UPDATE message carries (default 500).
	Batch int
	// MaxBytes bounds the wire size of one message (default MaxMessage).
	MaxBytes int
	// TTL is given to records the push adds.
	TTL uint32
	// Seen returns the RDATA of the records of that owner and type the plan
	// saw in the zone (absolute, lower-case targets): the prerequisite of
	// every change is that the zone still holds exactly those.
	Seen func(owner string, typ uint16) []string
}

// PushResult says what the server applied.
type PushResult struct {
	// Applied are the indices (into the changes given to Push) of the
	// changes in messages the server applied, in order.
	Applied []int
	// Messages is the number of UPDATE messages the plan needed, Sent the
	// number the server applied.
	Messages, Sent int
	// Serial is the zone's serial on the server after the push (BIND bumps
	// it itself), when it could be read back.
	Serial uint32
}

// group is the changes of one owner and type: they go into one message, so
// that the prerequisite on that RRset and its updates are applied together.
type group struct {
	owner   string
	typ     uint16
	changes []int
	bytes   int
}

// Push writes the changes of one zone as UPDATE messages to the server.
// Each message carries, for every RRset it changes, the prerequisite that
// the RRset is still exactly what the plan saw ("RRset exists (value
// dependent)", or "RRset does not exist" where the plan saw none), so a
// change someone else made in the meantime fails that message with a
// *ConflictError instead of being overwritten. Messages are sent in order
// and Push stops at the first that fails; the result names the changes of
// the messages that were applied, also when err is not nil.
func Push(ctx context.Context, s *Server, zone string, changes []rdns.Change, opt PushOptions) (PushResult, error) {
	zone = strings.ToLower(dns.Fqdn(zone))
	if opt.Batch <= 0 {
		opt.Batch = DefaultBatch
	}
	if opt.MaxBytes <= 0 || opt.MaxBytes > MaxMessage {
		opt.MaxBytes = MaxMessage
	}
	groups, err := groupChanges(zone, changes, opt)
	if err != nil {
		return PushResult{}, err
	}
	batches := batch(groups, opt)
	res := PushResult{Messages: len(batches)}
	for _, b := range batches {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		m, err := message(zone, changes, b, opt)
		if err != nil {
			return res, err
		}
		r, err := s.exchange(ctx, m, "UPDATE", zone)
		if err != nil {
			if e, ok := err.(*Error); ok {
				e.First = firstAddr(changes, b)
			}
			return res, err
		}
		if r.Rcode != dns.RcodeSuccess {
			ce := &ConflictError{Server: s.String(), Zone: zone, Rcode: r.Rcode}
			for _, g := range b {
				for _, i := range g.changes {
					if a := changes[i].Addr; a.IsValid() {
						ce.Addrs = append(ce.Addrs, a)
					} else {
						ce.Names = append(ce.Names, changes[i].Name)
					}
				}
			}
			return res, ce
		}
		res.Sent++
		for _, g := range b {
			res.Applied = append(res.Applied, g.changes...)
		}
	}
	if res.Sent > 0 {
		if serial, err := s.Serial(ctx, zone); err == nil {
			res.Serial = serial
		}
	}
	return res, nil
}

func firstAddr(changes []rdns.Change, b []*group) netip.Addr {
	for _, g := range b {
		for _, i := range g.changes {
			if a := changes[i].Addr; a.IsValid() {
				return a
			}
		}
	}
	return netip.Addr{}
}

// groupChanges groups the changes by owner and type, in the order of their
// first change, and sizes each group on the wire.
func groupChanges(zone string, changes []rdns.Change, opt PushOptions) ([]*group, error) {
	type key struct {
		owner string
		typ   uint16
	}
	byKey := map[key]*group{}
	var groups []*group
	for i, c := range changes {
		if c.Range != "" {
			return nil, fmt.Errorf("%s: a $GENERATE change cannot be sent as an UPDATE; plan it per address", c.Name)
		}
		typ, ok := dns.StringToType[strings.ToUpper(c.Type)]
		if !ok {
			return nil, fmt.Errorf("%s: unknown record type %q", c.Name, c.Type)
		}
		owner := strings.ToLower(dns.Fqdn(c.Name))
		if !dns.IsSubDomain(zone, owner) {
			return nil, fmt.Errorf("%s is outside zone %s", owner, zone)
		}
		k := key{owner, typ}
		g := byKey[k]
		if g == nil {
			g = &group{owner: owner, typ: typ}
			byKey[k] = g
			groups = append(groups, g)
			// the prerequisite: the RRset as seen, or "does not exist"
			seen := []string(nil)
			if opt.Seen != nil {
				seen = opt.Seen(owner, typ)
			}
			g.bytes += len(owner) + 12
			for _, d := range seen {
				g.bytes += len(owner) + len(d) + 12
			}
		}
		g.changes = append(g.changes, i)
		g.bytes += 2 * (len(owner) + len(c.Old) + len(c.New) + 12)
	}
	return groups, nil
}

// batch packs groups into messages of at most opt.Batch changes and about
// opt.MaxBytes (the estimate is checked exactly when the message is built).
func batch(groups []*group, opt PushOptions) [][]*group {
	var out [][]*group
	var cur []*group
	n, size := 0, 0
	for _, g := range groups {
		// never split one owner's RRsets (a PTR deleted and a CNAME added
		// in its place) over two messages
		sameOwner := len(cur) > 0 && cur[len(cur)-1].owner == g.owner
		if len(cur) > 0 && !sameOwner && (n+len(g.changes) > opt.Batch || size+g.bytes > opt.MaxBytes) {
			out = append(out, cur)
			cur, n, size = nil, 0, 0
		}
		cur = append(cur, g)
		n += len(g.changes)
		size += g.bytes
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// message builds the UPDATE of one batch.
func message(zone string, changes []rdns.Change, b []*group, opt PushOptions) (*dns.Msg, error) {
	m := new(dns.Msg)
	m.SetUpdate(zone)
	rr := func(owner string, typ uint16, ttl uint32, data string) (dns.RR, error) {
		r, err := dns.NewRR(fmt.Sprintf("%s %d IN %s %s", owner, ttl, dns.TypeToString[typ], data))
		if err != nil {
			return nil, fmt.Errorf("%s %s %s: %w", owner, dns.TypeToString[typ], data, err)
		}
		if r == nil {
			return nil, fmt.Errorf("%s %s: no RDATA", owner, dns.TypeToString[typ])
		}
		return r, nil
	}
	// the prerequisites of every RRset, then every deletion, then every
	// addition: a name's PTR must be gone before a CNAME is added there
	// (RFC 2136 §3.4.2.2 ignores a CNAME added beside other data)
	var removes, inserts []dns.RR
	for _, g := range b {
		var seen []string
		if opt.Seen != nil {
			seen = opt.Seen(g.owner, g.typ)
		}
		if len(seen) == 0 {
			h := &dns.ANY{Hdr: dns.RR_Header{Name: g.owner, Rrtype: g.typ}}
			m.RRsetNotUsed([]dns.RR{h})
		} else {
			var set []dns.RR
			for _, d := range seen {
				r, err := rr(g.owner, g.typ, 0, d)
				if err != nil {
					return nil, err
				}
				set = append(set, r)
			}
			m.Used(set)
		}
		for _, i := range g.changes {
			c := changes[i]
			if c.Old != "" && (c.Action == rdns.Replace || c.Action == rdns.Delete) {
				r, err := rr(g.owner, g.typ, 0, c.Old)
				if err != nil {
					return nil, err
				}
				removes = append(removes, r)
			}
			if c.New != "" && (c.Action == rdns.Replace || c.Action == rdns.Add) {
				r, err := rr(g.owner, g.typ, opt.TTL, c.New)
				if err != nil {
					return nil, err
				}
				inserts = append(inserts, r)
			}
		}
	}
	if len(removes) > 0 {
		m.Remove(removes)
	}
	if len(inserts) > 0 {
		m.Insert(inserts)
	}
	if n := m.Len(); n > MaxMessage {
		return nil, fmt.Errorf("zone %s: one RRset of %s needs an UPDATE of %d bytes, more than a message can hold", zone, b[0].owner, n)
	}
	return m, nil
}
