// Package powerdns reads and writes reverse zones through the HTTP API of
// PowerDNS Authoritative: a zone's rrsets come into the same in-memory model
// as a zone file or an AXFR, and a change set goes back as one PATCH of
// REPLACE/DELETE rrsets per zone (split into PATCHes of a bounded size for
// large zones), which PowerDNS applies atomically per request.
//
// The API has no conditional PATCH. Before patching, Patch reads the
// rrsets it is about to replace and reports a *ConflictError when they are
// not what the plan saw; the window between that read and the PATCH is the
// one a concurrent writer can still hit.
package powerdns

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/rdnsctl/rdnsctl/rdns"
	"github.com/rdnsctl/rdnsctl/zonefile"
)

// Client is one PowerDNS server's API.
type Client struct {
	Name     string // the config's name, used in messages
	URL      string // http://host:port of the webserver
	APIKey   string // never printed
	ServerID string // default "localhost"
	HTTP     *http.Client
}

func (c *Client) serverID() string {
	if c.ServerID == "" {
		return "localhost"
	}
	return c.ServerID
}

func (c *Client) http() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return &http.Client{Timeout: 30 * time.Second}
}

// Error is a refusal of the API, with its message.
type Error struct {
	Server, Zone string
	Op           string // "read", "PATCH", "create", ...
	Status       int
	Message      string // the API's {"error": ...}, else the body's start
	Err          error  // a transport error
}

func (e *Error) Error() string {
	where := fmt.Sprintf("PowerDNS %s", e.Server)
	if e.Zone != "" {
		where += ", zone " + strings.TrimSuffix(e.Zone, ".")
	}
	switch {
	case e.Err != nil:
		return fmt.Sprintf("%s: %s: %v", where, e.Op, e.Err)
	case e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden:
		return fmt.Sprintf("%s: %s: HTTP %d: the API key is wrong (check api_key / api_key_file)", where, e.Op, e.Status)
	case e.Status == http.StatusNotFound && e.Zone != "":
		return fmt.Sprintf("%s: %s: HTTP 404: the server has no such zone", where, e.Op)
	}
	return fmt.Sprintf("%s: %s: HTTP %d: %s", where, e.Op, e.Status, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// ConflictError says the server's rrsets are no longer what the plan saw.
type ConflictError struct {
	Server, Zone string
	Name         string
	Addr         netip.Addr
	Want, Have   []string
}

func (e *ConflictError) Error() string {
	what := e.Name
	if e.Addr.IsValid() {
		what = e.Addr.String()
	}
	return fmt.Sprintf("conflict in zone %s on PowerDNS %s: %s changed since it was read (expected %v, the server has %v); nothing was written, plan again",
		strings.TrimSuffix(e.Zone, "."), e.Server, what, e.Want, e.Have)
}

// ZoneID is the API's id of a zone: the name with every character but
// letters, digits, '.', '-' and '_' written =XX (so "0/26.…" is "0=2F26.…").
func ZoneID(origin string) string {
	var b strings.Builder
	for i := 0; i < len(origin); i++ {
		ch := origin[i]
		switch {
		case ch >= 'a' && ch <= 'z', ch >= 'A' && ch <= 'Z', ch >= '0' && ch <= '9', ch == '.', ch == '-', ch == '_':
			b.WriteByte(ch)
		default:
			fmt.Fprintf(&b, "=%02X", ch)
		}
	}
	return b.String()
}

// do sends a request and decodes a JSON answer into out (when not nil).
func (c *Client) do(ctx context.Context, method, path, op, zone string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(c.URL, "/")+"/api/v1/servers/"+url.PathEscape(c.serverID())+path, rd)
	if err != nil {
		return &Error{Server: c.Name, Zone: zone, Op: op, Err: err}
	}
	req.Header.Set("X-API-Key", c.APIKey)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http().Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &Error{Server: c.Name, Zone: zone, Op: op, Err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return &Error{Server: c.Name, Zone: zone, Op: op, Err: err}
	}
	if resp.StatusCode/100 != 2 {
		e := &Error{Server: c.Name, Zone: zone, Op: op, Status: resp.StatusCode}
		var apiErr struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(data, &apiErr) == nil && apiErr.Error != "" {
			e.Message = apiErr.Error
		} else {
			e.Message = strings.TrimSpace(string(data[:min(len(data), 200)]))
		}
		return e
	}
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return &Error{Server: c.Name, Zone: zone, Op: op, Err: fmt.Errorf("bad JSON: %w", err)}
		}
	}
	return nil
}

// ZoneInfo is a zone as the API lists it.
type ZoneInfo struct {
	ID         string  `json:"id"`
	Name       string  `json:"name"`
	Kind       string  `json:"kind"`
	Serial     uint32  `json:"serial"`
	SOAEditAPI string  `json:"soa_edit_api"`
	RRsets     []RRset `json:"rrsets,omitempty"`
}

// RRset is the API's rrset.
type RRset struct {
	Name       string   `json:"name"`
	Type       string   `json:"type"`
	TTL        uint32   `json:"ttl,omitempty"`
	ChangeType string   `json:"changetype,omitempty"`
	Records    []Record `json:"records"`
}

// Record is one record of an rrset.
type Record struct {
	Content  string `json:"content"`
	Disabled bool   `json:"disabled"`
}

// Zones lists the server's zones.
func (c *Client) Zones(ctx context.Context) ([]ZoneInfo, error) {
	var zs []ZoneInfo
	if err := c.do(ctx, "GET", "/zones", "list zones", "", nil, &zs); err != nil {
		return nil, err
	}
	slices.SortFunc(zs, func(a, b ZoneInfo) int { return zonefile.CompareNames(a.Name, b.Name) })
	return zs, nil
}

// ReverseZones lists the server's in-addr.arpa and ip6.arpa zones.
func (c *Client) ReverseZones(ctx context.Context) ([]ZoneInfo, error) {
	zs, err := c.Zones(ctx)
	if err != nil {
		return nil, err
	}
	var out []ZoneInfo
	for _, z := range zs {
		n := strings.ToLower(z.Name)
		if strings.HasSuffix(n, ".in-addr.arpa.") || strings.HasSuffix(n, ".ip6.arpa.") || n == "in-addr.arpa." || n == "ip6.arpa." {
			out = append(out, z)
		}
	}
	return out, nil
}

// Source is the display name of a zone read from a PowerDNS server.
func Source(server, origin string) string {
	return "powerdns://" + server + "/" + zonefile.Fqdn(origin)
}

// Get reads one zone with its rrsets.
func (c *Client) Get(ctx context.Context, origin string) (*ZoneInfo, error) {
	origin = zonefile.Fqdn(origin)
	var z ZoneInfo
	if err := c.do(ctx, "GET", "/zones/"+ZoneID(origin), "read", origin, nil, &z); err != nil {
		return nil, err
	}
	return &z, nil
}

// Read reads one zone into the zone model: the rrsets are laid out as
// rdnsctl emits a zone and read back by the zone-file reader, so names and
// RDATA are normalised as for a file. Disabled records are left out (the
// server does not serve them).
func (c *Client) Read(ctx context.Context, origin string) (*zonefile.Zone, *ZoneInfo, error) {
	info, err := c.Get(ctx, origin)
	if err != nil {
		return nil, nil, err
	}
	origin = zonefile.Fqdn(origin)
	var recs []zonefile.Record
	var ttl uint32 = 3600
	for _, rs := range info.RRsets {
		typ, ok := zonefile.TypeFromString(rs.Type)
		if !ok {
			continue
		}
		if typ == zonefile.TypeSOA {
			ttl = rs.TTL
		}
		for _, r := range rs.Records {
			if r.Disabled {
				continue
			}
			recs = append(recs, zonefile.Record{Name: zonefile.Fqdn(rs.Name), TTL: rs.TTL, Class: zonefile.ClassINET, Type: typ, Data: content(typ, r.Content)})
		}
	}
	slices.SortStableFunc(recs, func(a, b zonefile.Record) int {
		// the SOA first, as the reader wants it
		if (a.Type == zonefile.TypeSOA) != (b.Type == zonefile.TypeSOA) {
			if a.Type == zonefile.TypeSOA {
				return -1
			}
			return 1
		}
		return 0
	})
	name := Source(c.Name, origin)
	z, err := zonefile.ParseBytes(zonefile.Emit(origin, ttl, recs), name, zonefile.Options{Origin: origin})
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	return z, info, nil
}

// PatchOptions tune Patch.
type PatchOptions struct {
	// Seen returns the RDATA the plan saw at that owner and type.
	Seen func(owner string, typ uint16) []string
	// TTL is given to rrsets that did not exist.
	TTL uint32
	// MaxRRsets bounds the rrsets of one PATCH (default 1000).
	MaxRRsets int
	// Now is the clock for the serial, when the zone has no SOA-EDIT-API.
	Now time.Time
}

// PatchResult says what the server applied.
type PatchResult struct {
	Applied        []int // indices of the changes in PATCHes the server applied
	Patches, Sent  int
	Serial         uint32
	Notified       bool
	BumpedByClient bool // the zone has no SOA-EDIT-API: Patch set the serial
}

type rrKey struct {
	owner string
	typ   uint16
}

// Patch writes the changes of one zone. Every rrset the changes touch is
// checked against what the plan saw first; then the rrsets are written as
// REPLACE (or DELETE when none is left) in PATCHes of at most MaxRRsets.
// A zone without SOA-EDIT-API gets its serial bumped by Patch in each
// PATCH (PowerDNS would leave it, and secondaries would never transfer). A
// Master zone is notified afterwards.
func (c *Client) Patch(ctx context.Context, origin string, changes []rdns.Change, opt PatchOptions) (PatchResult, error) {
	origin = zonefile.Fqdn(origin)
	if opt.MaxRRsets <= 0 {
		opt.MaxRRsets = 1000
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	if opt.TTL == 0 {
		opt.TTL = 3600
	}
	info, err := c.Get(ctx, origin)
	if err != nil {
		return PatchResult{}, err
	}
	have := map[rrKey]*RRset{}
	var soa *RRset
	for i := range info.RRsets {
		rs := &info.RRsets[i]
		typ, ok := zonefile.TypeFromString(rs.Type)
		if !ok {
			continue
		}
		have[rrKey{zonefile.Fqdn(rs.Name), typ}] = rs
		if typ == zonefile.TypeSOA {
			soa = rs
		}
	}
	// the rrsets in order of their first change, with their changes
	type set struct {
		key     rrKey
		changes []int
		content []string
		ttl     uint32
	}
	var sets []*set
	byKey := map[rrKey]*set{}
	for i, ch := range changes {
		if ch.Range != "" {
			return PatchResult{}, fmt.Errorf("%s: a $GENERATE change cannot be sent to PowerDNS; plan it per address", ch.Name)
		}
		typ, ok := zonefile.TypeFromString(ch.Type)
		if !ok {
			return PatchResult{}, fmt.Errorf("%s: unknown type %q", ch.Name, ch.Type)
		}
		k := rrKey{zonefile.Fqdn(ch.Name), typ}
		s := byKey[k]
		if s == nil {
			var seen []string
			if opt.Seen != nil {
				seen = opt.Seen(k.owner, k.typ)
			}
			cur := contents(have[k])
			if !sameSet(seen, cur) {
				return PatchResult{}, &ConflictError{Server: c.Name, Zone: origin, Name: k.owner, Addr: ch.Addr, Want: norm(seen), Have: cur}
			}
			s = &set{key: k, content: slices.Clone(cur), ttl: opt.TTL}
			if h := have[k]; h != nil && h.TTL != 0 {
				s.ttl = h.TTL
			}
			byKey[k] = s
			sets = append(sets, s)
		}
		s.changes = append(s.changes, i)
		if ch.Old != "" && (ch.Action == rdns.Replace || ch.Action == rdns.Delete) {
			s.content = slices.DeleteFunc(s.content, func(v string) bool { return strings.EqualFold(v, ch.Old) })
		}
		if ch.New != "" && (ch.Action == rdns.Replace || ch.Action == rdns.Add) && !slices.Contains(s.content, strings.ToLower(ch.New)) {
			s.content = append(s.content, strings.ToLower(ch.New))
		}
	}
	// batches of at most MaxRRsets that never split one owner (a PTR
	// deleted and a CNAME written in its place go together), deletions
	// first in each: PowerDNS refuses a CNAME beside a PTR still there
	var batches [][]*set
	for i := 0; i < len(sets); {
		j := i
		for j < len(sets) && (j-i < opt.MaxRRsets || sets[j].key.owner == sets[j-1].key.owner) {
			j++
		}
		b := slices.Clone(sets[i:j])
		slices.SortStableFunc(b, func(x, y *set) int {
			return cmp.Compare(min(len(x.content), 1), min(len(y.content), 1))
		})
		batches = append(batches, b)
		i = j
	}
	res := PatchResult{Patches: len(batches)}
	serial := info.Serial
	for _, batch := range batches {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		var body struct {
			RRsets []RRset `json:"rrsets"`
		}
		for _, s := range batch {
			rs := RRset{Name: s.key.owner, Type: typeName(s.key.typ), TTL: s.ttl, ChangeType: "REPLACE", Records: []Record{}}
			if len(s.content) == 0 {
				rs.ChangeType, rs.TTL = "DELETE", 0
			}
			for _, v := range s.content {
				rs.Records = append(rs.Records, Record{Content: v})
			}
			body.RRsets = append(body.RRsets, rs)
		}
		if info.SOAEditAPI == "" && soa != nil && len(soa.Records) == 1 {
			f := strings.Fields(soa.Records[0].Content)
			if len(f) == 7 {
				var old uint32
				fmt.Sscan(f[2], &old)
				serial = zonefile.NextSerial(max(old, serial), opt.Now)
				f[2] = fmt.Sprint(serial)
				body.RRsets = append(body.RRsets, RRset{Name: origin, Type: "SOA", TTL: soa.TTL, ChangeType: "REPLACE", Records: []Record{{Content: strings.Join(f, " ")}}})
				soa.Records[0].Content = strings.Join(f, " ")
				res.BumpedByClient = true
			}
		}
		if err := c.do(ctx, "PATCH", "/zones/"+ZoneID(origin), "PATCH", origin, body, nil); err != nil {
			var e *Error
			if errors.As(err, &e) && e.Status == http.StatusUnprocessableEntity {
				e.Message += " (the server rejected a record of this PATCH; nothing of it was applied)"
			}
			return res, err
		}
		res.Sent++
		for _, s := range batch {
			res.Applied = append(res.Applied, s.changes...)
		}
	}
	if res.Sent > 0 {
		if z, err := c.Get(ctx, origin); err == nil {
			res.Serial = z.Serial
		}
		if strings.EqualFold(info.Kind, "Master") || strings.EqualFold(info.Kind, "Primary") {
			if err := c.do(ctx, "PUT", "/zones/"+ZoneID(origin)+"/notify", "notify", origin, nil, nil); err != nil {
				return res, err
			}
			res.Notified = true
		}
	}
	return res, nil
}

// NewZone is a zone to create.
type NewZone struct {
	Origin string
	Kind   string // Native (default) or Master
	TTL    uint32
	SOA    string // SOA RDATA
	NS     []string
	// Records are further records (PTRs, CNAMEs, NS of delegations).
	Records []zonefile.Record
}

// Create makes a zone with SOA-EDIT-API DEFAULT, so that PowerDNS bumps its
// serial on every later change through the API.
func (c *Client) Create(ctx context.Context, z NewZone) error {
	origin := zonefile.Fqdn(z.Origin)
	kind := z.Kind
	if kind == "" {
		kind = "Native"
	}
	if z.TTL == 0 {
		z.TTL = 3600
	}
	body := map[string]any{"name": origin, "kind": kind, "soa_edit_api": "DEFAULT", "nameservers": []string{}}
	sets := []RRset{{Name: origin, Type: "SOA", TTL: z.TTL, Records: []Record{{Content: z.SOA}}}}
	if len(z.NS) > 0 {
		ns := RRset{Name: origin, Type: "NS", TTL: z.TTL}
		for _, n := range z.NS {
			ns.Records = append(ns.Records, Record{Content: zonefile.Fqdn(n)})
		}
		sets = append(sets, ns)
	}
	idx := map[rrKey]int{}
	for _, r := range z.Records {
		k := rrKey{zonefile.Fqdn(r.Name), r.Type}
		i, ok := idx[k]
		if !ok {
			i = len(sets)
			idx[k] = i
			ttl := r.TTL
			if ttl == 0 {
				ttl = z.TTL
			}
			sets = append(sets, RRset{Name: k.owner, Type: typeName(r.Type), TTL: ttl})
		}
		sets[i].Records = append(sets[i].Records, Record{Content: r.Data})
	}
	body["rrsets"] = sets
	return c.do(ctx, "POST", "/zones", "create", origin, body, nil)
}

// Delete removes a zone.
func (c *Client) Delete(ctx context.Context, origin string) error {
	origin = zonefile.Fqdn(origin)
	return c.do(ctx, "DELETE", "/zones/"+ZoneID(origin), "delete", origin, nil, nil)
}

func typeName(t uint16) string {
	switch t {
	case zonefile.TypePTR:
		return "PTR"
	case zonefile.TypeCNAME:
		return "CNAME"
	case zonefile.TypeNS:
		return "NS"
	case zonefile.TypeA:
		return "A"
	case zonefile.TypeAAAA:
		return "AAAA"
	case zonefile.TypeSOA:
		return "SOA"
	}
	return fmt.Sprintf("TYPE%d", t)
}

// content is a record's content as the zone model keeps it: the target of a
// PTR, CNAME or NS absolute and lower-case (zones loaded with pdnsutil keep
// it without the final dot in the database).
func content(typ uint16, c string) string {
	switch typ {
	case zonefile.TypePTR, zonefile.TypeCNAME, zonefile.TypeNS:
		return zonefile.Fqdn(c)
	}
	return c
}

func contents(rs *RRset) []string {
	if rs == nil {
		return []string{}
	}
	typ, _ := zonefile.TypeFromString(rs.Type)
	var out []string
	for _, r := range rs.Records {
		if !r.Disabled {
			out = append(out, strings.ToLower(content(typ, r.Content)))
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func norm(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = strings.ToLower(v)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func sameSet(seen, cur []string) bool { return slices.Equal(norm(seen), cur) }
