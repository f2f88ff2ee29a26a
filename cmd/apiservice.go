package cmd

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rdnsctl/rdnsctl/api"
	"github.com/rdnsctl/rdnsctl/apply"
	"github.com/rdnsctl/rdnsctl/fcrdns"
	"github.com/rdnsctl/rdnsctl/journal"
	"github.com/rdnsctl/rdnsctl/lifecycle"
	"github.com/rdnsctl/rdnsctl/powerdns"
	"github.com/rdnsctl/rdnsctl/rdns"
	"github.com/rdnsctl/rdnsctl/resolver"
	"github.com/rdnsctl/rdnsctl/rfc2136"
	"github.com/rdnsctl/rdnsctl/zonefile"
	"github.com/rdnsctl/rdnsctl/zoneset"
)

// apiService is the domain behind rdnsctl serve: the same zone loading,
// lifecycle planning, forward validation and apply engine as the CLI
// verbs. Writes go through one committer goroutine, which applies the
// requests waiting at that moment as one plan and one write (group
// commit), each request still getting its own result and journal lines.
type apiService struct {
	a        *App
	resolver closingResolver
	timeout  time.Duration

	mu       sync.RWMutex
	set      *zoneset.Set // the zones as last read, for GETs and writes
	loadedAt time.Time    // when set was read whole

	jobs chan *writeJob
	done chan struct{}
	// commitMu is held while the committer applies a group: a read that
	// reloads the zones changed on disk waits for it
	commitMu sync.Mutex
	// stop is done once serve stops waiting for writes (Abort)
	stop  context.Context
	abort context.CancelFunc
	// rcodes counts the live servers' answers to UPDATE (the API's metric)
	rcodes *prometheus.CounterVec
	// checked is when each live zone's serial was last asked for a GET
	checkedMu sync.Mutex
	checked   map[string]time.Time
}

// writeJob is one write request waiting for the committer.
type writeJob struct {
	events  []lifecycle.Event
	ifMatch string
	ip      netip.Addr // the address of a single-PTR request
	dryRun  bool
	caller  string
	result  chan writeResult
	changes rdns.ChangeSet
	// solo: commit this job alone (it was in a group whose write a server
	// refused, and none of its changes became live)
	solo bool
	// noValidate: validate_forward false, said in the journal as the
	// CLI's --no-validate is
	noValidate bool
}

type writeResult struct {
	changes rdns.ChangeSet
	before  *api.PTR // the address before the write (single-address jobs)
	after   *api.PTR
	serial  *uint32
	written bool
	err     error
}

func newAPIService(a *App, r closingResolver, timeout time.Duration) (*apiService, error) {
	s := &apiService{a: a, resolver: r, timeout: timeout, jobs: make(chan *writeJob, 1024), done: make(chan struct{})}
	s.stop, s.abort = context.WithCancel(context.Background())
	set, err := a.loadZones()
	if err != nil {
		return nil, err
	}
	s.set, s.loadedAt = set, time.Now()
	go s.committer()
	return s, nil
}

// Close stops the committer once the writes in flight are done.
func (s *apiService) Close() {
	close(s.jobs)
	<-s.done
	s.abort()
}

// Abort makes the writes that have not reached their commit point give up
// (503 shutting_down, nothing written): a stop that cannot wait longer for
// the zones lock. Writes past their commit point finish.
func (s *apiService) Abort() { s.abort() }

// ptrOf describes an address from a zone set.
func (s *apiService) ptrOf(set *zoneset.Set, ip netip.Addr) *api.PTR {
	p := &api.PTR{IP: ip.String(), PTR: []string{}}
	if d := s.a.cfg.Defaults.Render(ip); d != "" {
		p.Default = &d
	}
	l := set.Lookup(ip)
	switch l.Status {
	case zoneset.Unmanaged:
		return p
	case zoneset.Delegated:
		p.Delegated = true
	}
	if l.Zone != nil {
		z := l.Zone.Origin
		p.Zone = &z
		for _, i := range l.PTRs {
			r := &l.Zone.Records[i]
			p.PTR = append(p.PTR, r.Data)
			if p.Source == nil {
				src := fmt.Sprintf("%s:%d", l.Zone.FileOf(r), r.Line)
				p.Source = &src
			}
		}
	}
	for _, name := range p.PTR {
		if !s.a.cfg.Defaults.IsDefault(ip, name) {
			p.Custom = true
		}
	}
	return p
}

// fresh reads again, before a read, the zone files that changed on disk
// since they were read (an engineer's edit, a CLI write), so that a GET
// never shows a PTR the zone no longer has. Zones of live servers are read
// again before each write only.
func (s *apiService) fresh() {
	s.mu.RLock()
	changed := s.set.Changed()
	s.mu.RUnlock()
	if len(changed) == 0 {
		return
	}
	// the committer plans over the set outside s.mu: never reload under it
	s.commitMu.Lock()
	defer s.commitMu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.set.ReloadChanged(); err != nil {
		s.loadedAt = time.Time{} // the next write reads the whole set
	}
}

// freshRemote reads the zones again before a GET of an address in a live
// server's zone whose serial there is no longer the one held (an UPDATE
// someone else sent), asking the server at most every 100 ms per zone.
func (s *apiService) freshRemote(ctx context.Context, ip netip.Addr) {
	if len(s.a.cfg.RemoteZones) == 0 {
		return
	}
	s.mu.RLock()
	var origin string
	var held *uint32
	if z := s.set.Lookup(ip).Zone; z != nil {
		origin = z.Origin
		held = serialOf(s.set, &origin)
	}
	s.mu.RUnlock()
	if origin == "" || held == nil {
		return
	}
	var sc *ServerConfig
	for _, rz := range s.a.cfg.RemoteZones {
		if rz.Origin != "" && strings.EqualFold(zonefile.Fqdn(rz.Origin), origin) {
			for i := range s.a.cfg.Servers {
				if s.a.cfg.Servers[i].Name == rz.Server && s.a.cfg.Servers[i].Type != "powerdns" {
					sc = &s.a.cfg.Servers[i]
				}
			}
		}
	}
	if sc == nil {
		return
	}
	s.checkedMu.Lock()
	if time.Since(s.checked[origin]) < 100*time.Millisecond {
		s.checkedMu.Unlock()
		return
	}
	if s.checked == nil {
		s.checked = map[string]time.Time{}
	}
	s.checked[origin] = time.Now()
	s.checkedMu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	serial, err := sc.dnsServer().Serial(ctx, origin)
	if err != nil || serial == *held {
		return
	}
	s.commitMu.Lock()
	defer s.commitMu.Unlock()
	set, err := s.a.loadZones()
	if err != nil {
		return
	}
	s.mu.Lock()
	s.set, s.loadedAt = set, time.Now()
	s.mu.Unlock()
}

func (s *apiService) Get(ctx context.Context, ip netip.Addr) (*api.PTR, error) {
	s.fresh()
	s.freshRemote(ctx, ip)
	// the committer reloads zones in place, under the write lock
	s.mu.RLock()
	defer s.mu.RUnlock()
	p := s.ptrOf(s.set, ip)
	if p.Zone == nil && !p.Delegated {
		return nil, api.Errorf(http.StatusNotFound, "no_zone", ip.String()+" is in no loaded zone")
	}
	return p, nil
}

func (s *apiService) List(ctx context.Context, prefix netip.Prefix, customOnly bool) ([]api.PTR, error) {
	s.fresh()
	s.mu.RLock()
	defer s.mu.RUnlock()
	set := s.set
	var out []api.PTR
	seen := map[netip.Addr]bool{}
	for _, z := range set.Zones {
		if !z.Reverse {
			continue
		}
		if prefix.IsValid() && !prefix.Overlaps(z.Name.Prefix) {
			continue
		}
		for i := 0; i < z.NumRefs(); i++ {
			a, _ := z.Ref(i)
			if seen[a] || (prefix.IsValid() && !prefix.Contains(a)) {
				continue
			}
			seen[a] = true
			p := s.ptrOf(set, a)
			if len(p.PTR) == 0 || (customOnly && !p.Custom) {
				continue
			}
			out = append(out, *p)
		}
	}
	slices.SortFunc(out, func(x, y api.PTR) int {
		return netip.MustParseAddr(x.IP).Compare(netip.MustParseAddr(y.IP))
	})
	if out == nil {
		out = []api.PTR{}
	}
	return out, nil
}

// validate checks a custom name's forward DNS, outside the zones lock.
func (s *apiService) validate(ctx context.Context, ip netip.Addr, name string) (*api.Forward, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	rec := &seenAddrs{Resolver: s.resolver}
	var r resolver.Resolver = rec
	if c, ok := s.resolver.(resolver.Canonicalizer); ok {
		r = &seenCanonical{rec, c}
	}
	err := fcrdns.ValidateForward(ctx, r, ip, name)
	if err == nil {
		// the addresses the name has, of which ip is one
		fwd := &api.Forward{Verdict: "pass", Addresses: []string{}}
		for _, a := range rec.addrs {
			fwd.Addresses = append(fwd.Addresses, a.Unmap().String())
		}
		if len(fwd.Addresses) == 0 {
			fwd.Addresses = append(fwd.Addresses, ip.String())
		}
		slices.Sort(fwd.Addresses)
		fwd.Addresses = slices.Compact(fwd.Addresses)
		return fwd, nil
	}
	var fe *fcrdns.ForwardError
	var ae *fcrdns.AliasError
	switch {
	case errors.As(err, &fe):
		addrs := []string{}
		for _, a := range fe.Forward {
			addrs = append(addrs, a.String())
		}
		code := "forward_mismatch"
		if len(addrs) == 0 {
			code = "no_forward"
		}
		e := api.Errorf(http.StatusUnprocessableEntity, code, err.Error())
		e.Extra = map[string]any{"forward": api.Forward{Verdict: strings.ReplaceAll(code, "_", "-"), Addresses: addrs}}
		return nil, e
	case errors.As(err, &ae):
		return nil, api.Errorf(http.StatusUnprocessableEntity, "forward_alias", err.Error())
	}
	e := api.Errorf(http.StatusServiceUnavailable, "forward_error", "the forward check could not be made (nothing written): "+err.Error())
	e.RetryAfter = 10
	return nil, e
}

// seenAddrs is a resolver that keeps the addresses of its forward lookup
// (one lookup per validation).
type seenAddrs struct {
	resolver.Resolver
	addrs []netip.Addr
}

func (r *seenAddrs) Addrs(ctx context.Context, name string, v6 bool) ([]netip.Addr, error) {
	a, err := r.Resolver.Addrs(ctx, name, v6)
	r.addrs = a
	return a, err
}

// seenCanonical is seenAddrs over a resolver that tells aliases.
type seenCanonical struct {
	*seenAddrs
	c resolver.Canonicalizer
}

func (r *seenCanonical) AddrsCanonical(ctx context.Context, name string, v6 bool) ([]netip.Addr, string, error) {
	a, canon, err := r.c.AddrsCanonical(ctx, name, v6)
	r.addrs = a
	return a, canon, err
}

// where refuses, before any forward lookup, a batch with an address no
// loaded zone holds (404 no_zone) or one delegated to a zone that is not
// ours (409 delegated). The zones held may be older than a zone file made
// since: such a refusal is made by the committer, which reads them again
// (a dry run); it checks again under the lock when it writes.
func (s *apiService) where(ctx context.Context, events []lifecycle.Event, caller string) error {
	s.mu.RLock()
	ours := true
	for _, ev := range events {
		a, _ := netip.ParseAddr(ev.IP)
		if st := s.set.Lookup(a).Status; st == zoneset.Unmanaged || st == zoneset.Delegated {
			ours = false
		}
	}
	s.mu.RUnlock()
	if ours {
		return nil
	}
	_, err := s.submit(ctx, &writeJob{events: events, dryRun: true, caller: caller})
	return err
}

func (s *apiService) Set(ctx context.Context, req api.SetRequest) (*api.ChangeResult, error) {
	name := rdns.CanonicalHostname(req.Hostname)
	ev := lifecycle.Event{Kind: lifecycle.Set, IP: req.IP.String(), Block: netip.PrefixFrom(req.IP, req.IP.BitLen()), Hostname: name, Customer: req.Customer, Ticket: req.Ticket, Line: 1}
	if err := s.where(ctx, []lifecycle.Event{ev}, req.Caller.Name); err != nil {
		return nil, err
	}
	if req.IfMatch != "" {
		// a stale If-Match is 412 before the forward check (the committer
		// checks again under the lock)
		s.mu.RLock()
		err := s.check(s.set, &writeJob{events: []lifecycle.Event{ev}, ifMatch: req.IfMatch, ip: req.IP})
		s.mu.RUnlock()
		if err != nil {
			return nil, err
		}
	}
	var fwd *api.Forward
	if req.ValidateForward {
		f, err := s.validate(ctx, req.IP, name)
		if err != nil {
			return nil, err
		}
		fwd = f
	}
	res, err := s.submit(ctx, &writeJob{events: []lifecycle.Event{ev}, ifMatch: req.IfMatch, ip: req.IP, caller: req.Caller.Name, noValidate: !req.ValidateForward})
	if err != nil {
		return nil, err
	}
	out := s.result(req.IP, res)
	out.Forward = fwd
	return out, nil
}

func (s *apiService) Unset(ctx context.Context, ip netip.Addr, ifMatch string, caller api.Caller) (*api.ChangeResult, error) {
	// back to the default, or deleted when the config says deprovision:
	// delete (DELETE is the API's way to give an address back)
	kind := lifecycle.Unset
	if s.a.cfg.Deprovision == "delete" {
		kind = lifecycle.Deprovision
	}
	ev := lifecycle.Event{Kind: kind, IP: ip.String(), Block: netip.PrefixFrom(ip, ip.BitLen()), Line: 1}
	res, err := s.submit(ctx, &writeJob{events: []lifecycle.Event{ev}, ifMatch: ifMatch, ip: ip, caller: caller.Name})
	if err != nil {
		return nil, err
	}
	return s.result(ip, res), nil
}

// result is the answer to a single-address write.
func (s *apiService) result(ip netip.Addr, res writeResult) *api.ChangeResult {
	before, after := res.before, res.after
	if before == nil {
		before = &api.PTR{IP: ip.String(), PTR: []string{}}
	}
	if after == nil {
		after = before
	}
	out := &api.ChangeResult{IP: ip.String(), Previous: before.PTR, Zone: before.Zone, Status: "unchanged", Serial: res.serial}
	if res.written {
		out.Status = "changed"
	}
	if after.Zone != nil {
		out.Zone = after.Zone
	}
	if len(after.PTR) > 0 {
		h := after.PTR[0]
		out.Hostname = &h
	}
	return out
}

// serialOf is the SOA serial of a zone of the set.
func serialOf(set *zoneset.Set, origin *string) *uint32 {
	if origin == nil {
		return nil
	}
	z := set.Zone(*origin)
	if z == nil {
		return nil
	}
	for _, r := range z.Records {
		if r.Type == zonefile.TypeSOA {
			if soa, err := zonefile.ParseSOA(r.Data); err == nil {
				return &soa.Serial
			}
			break
		}
	}
	return nil
}

// refresh brings the held zones up to date before a write, holding the
// zones lock: the zones whose files changed on disk (an engineer's CLI
// edit) are read again, and the whole set every few seconds (new zone
// files) or when it holds zones of live servers.
func (s *apiService) refresh() (*zoneset.Set, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.set != nil && time.Since(s.loadedAt) < 5*time.Second && len(s.a.cfg.RemoteZones) == 0 {
		if _, err := s.set.ReloadChanged(); err == nil {
			return s.set, nil
		}
	}
	set, err := s.a.loadZones()
	if err != nil {
		return nil, err
	}
	s.set, s.loadedAt = set, time.Now()
	return set, nil
}

// written reads again the zones a write changed.
func (s *apiService) written(targets []apply.Target) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var origins []string
	for _, t := range targets {
		if t.Created || t.Retired || strings.Contains(t.Path, "://") {
			s.loadedAt = time.Time{} // read the whole set before the next write
			origins = nil
			break
		}
		origins = append(origins, t.Zone)
	}
	if origins != nil {
		if err := s.set.Reload(origins...); err == nil {
			return nil
		}
	}
	set, err := s.a.loadZones()
	if err != nil {
		s.loadedAt = time.Time{}
		return err
	}
	s.set, s.loadedAt = set, time.Now()
	return nil
}

func (s *apiService) Events(ctx context.Context, events []lifecycle.Event, dryRun, validate bool, caller api.Caller) (*api.EventsResult, error) {
	// custom names are validated before the batch waits for the lock,
	// once every address is known to be ours
	if err := s.where(ctx, events, caller.Name); err != nil {
		return nil, err
	}
	// the names are looked up concurrently (the resolver pool bounds the
	// queries in flight): a batch of thousands against a distant resolver
	// must not outlast the write timeout
	errs := make([]error, len(events))
	sem := make(chan struct{}, 64)
	var wg sync.WaitGroup
	for i, ev := range events {
		if !validate || ev.Hostname == "" || (ev.Kind != lifecycle.Set && ev.Kind != lifecycle.Provision) {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			a, _ := netip.ParseAddr(ev.IP)
			_, errs[i] = s.validate(ctx, a, rdns.CanonicalHostname(ev.Hostname))
		}()
	}
	wg.Wait()
	var invalid []api.Invalid
	for i, err := range errs {
		if err == nil {
			continue
		}
		var e *api.Error
		if errors.As(err, &e) && e.Status == http.StatusServiceUnavailable {
			return nil, err
		}
		invalid = append(invalid, api.Invalid{Field: fmt.Sprintf("events[%d]", i), Reason: err.Error()})
	}
	if len(invalid) > 0 {
		return nil, &api.Error{Status: http.StatusUnprocessableEntity, Code: "forward_mismatch",
			Detail: fmt.Sprintf("%d event(s) failed the forward check; nothing was changed", len(invalid)), Invalid: invalid}
	}
	res, err := s.submit(ctx, &writeJob{events: events, dryRun: dryRun, caller: caller.Name, noValidate: !validate})
	if err != nil {
		return nil, err
	}
	out := &api.EventsResult{Changes: res.changes, Written: res.written}
	for i, ev := range events {
		n := 0
		for _, c := range res.changes.Changes {
			if c.Addr.String() == ev.IP {
				n++
			}
		}
		st := "unchanged"
		if n > 0 {
			st = "changed"
			if dryRun {
				st = "planned"
			}
		}
		out.Results = append(out.Results, api.EventResult{Index: i, Event: string(ev.Kind), IP: ev.IP, Status: st, Changes: n})
	}
	return out, nil
}

func (s *apiService) submit(ctx context.Context, j *writeJob) (writeResult, error) {
	j.result = make(chan writeResult, 1)
	select {
	case s.jobs <- j:
	case <-ctx.Done():
		return writeResult{}, ctx.Err()
	}
	// the job is the committer's now: wait for it even when the client
	// goes away, so that what was written is known
	r := <-j.result
	return r, r.err
}

// Group commit: the committer takes every write waiting, then lingers a
// little for more. Without the linger the clients settle into two halves
// (those answered by one write come back while the other half is being
// written), and every write carries half the requests it could.
const (
	maxGroup    = 256                    // jobs in one write at most
	lingerGap   = 750 * time.Microsecond // how long to wait for one more job
	lingerTotal = 3 * time.Millisecond   // the longest a group waits for more
)

// committer applies the waiting writes, a group at a time.
func (s *apiService) committer() {
	defer close(s.done)
	gap := time.NewTimer(time.Hour)
	gap.Stop()
	for j := range s.jobs {
		group := []*writeJob{j}
		open := true
		start := time.Now()
	gather:
		for len(group) < maxGroup {
			select {
			case k, ok := <-s.jobs:
				if !ok {
					open = false
					break gather
				}
				group = append(group, k)
				continue
			default:
			}
			// nothing waiting: linger for one more, as long as jobs keep
			// coming and the group has not waited too long
			left := lingerTotal - time.Since(start)
			if left <= 0 {
				break
			}
			gap.Reset(min(lingerGap, left))
			select {
			case k, ok := <-s.jobs:
				gap.Stop() // (Go 1.23 timers: no stale tick is left in C)
				if !ok {
					open = false
					break gather
				}
				group = append(group, k)
			case <-gap.C:
				break gather
			}
		}
		for len(group) > 0 {
			s.commitMu.Lock()
			group = s.commitGroup(group)
			s.commitMu.Unlock()
		}
		if !open {
			return
		}
	}
}

// commitGroup applies the jobs of one caller that touch distinct addresses
// as one write, and returns the jobs left for the next round.
func (s *apiService) commitGroup(group []*writeJob) []*writeJob {
	a := s.a
	ctx := s.stop // a write before its commit point gives up when serve must stop
	var this, rest []*writeJob
	touched := map[string]bool{}
	caller := group[0].caller
	for _, j := range group {
		clash := j.caller != caller || ((j.dryRun || j.solo) && len(this) > 0)
		for _, ev := range j.events {
			clash = clash || touched[ev.IP]
		}
		if clash || (len(this) > 0 && (this[0].dryRun || this[0].solo)) {
			rest = append(rest, j)
			continue
		}
		for _, ev := range j.events {
			touched[ev.IP] = true
		}
		this = append(this, j)
	}
	fail := func(js []*writeJob, err error) {
		for _, j := range js {
			j.result <- writeResult{err: err}
		}
	}
	f := &changeFlags{write: !this[0].dryRun, lockTimeout: a.cfg.LockTimeout}
	if f.lockTimeout == 0 {
		f.lockTimeout = 30 * time.Second
	}
	e, err := a.engine(f)
	if err != nil {
		fail(this, err)
		return rest
	}
	var tx *apply.Txn
	if f.write {
		tx, err = e.Begin(ctx)
		if err != nil {
			code := "locked"
			if ctx.Err() != nil {
				code = "shutting_down"
			}
			fail(this, api.Errorf(http.StatusServiceUnavailable, code, err.Error()+" (nothing written)"))
			return rest
		}
		defer tx.Close()
	}
	// read the zones again under the lock: a CLI edit is never overwritten
	// by a stale copy
	set, err := s.refresh()
	if err != nil {
		fail(this, err)
		return rest
	}
	opt := lifecycle.Options{Defaults: a.cfg.Defaults, DeprovisionDelete: a.cfg.Deprovision == "delete"}
	var all rdns.ChangeSet
	var ok []*writeJob
	for _, j := range this {
		if err := s.check(set, j); err != nil {
			j.result <- writeResult{err: err}
			continue
		}
		cs, problems := lifecycle.Plan(set, j.events, opt)
		if len(problems) > 0 {
			var inv []api.Invalid
			for _, p := range problems {
				inv = append(inv, api.Invalid{Field: fmt.Sprintf("events[%d]", p.Line-1), Reason: p.Err.Error()})
			}
			j.result <- writeResult{err: &api.Error{Status: http.StatusUnprocessableEntity, Code: "rejected", Detail: fmt.Sprintf("%d event(s) could not be planned; nothing was changed", len(problems)), Invalid: inv}}
			continue
		}
		if err := set.CheckWrite(cs); err != nil && !cs.Empty() {
			j.result <- writeResult{err: api.Errorf(http.StatusConflict, "zone_conflict", err.Error())}
			continue
		}
		// the mass-change guard is each request's: requests committed
		// together are not one mass change
		if g := apply.Guard(set, cs, 0.3, 10); g != nil {
			j.result <- writeResult{err: api.Errorf(http.StatusUnprocessableEntity, "mass_change", g.Error())}
			continue
		}
		if j.noValidate {
			custom := map[string]bool{}
			for _, ev := range j.events {
				if ev.Hostname != "" {
					custom[rdns.CanonicalHostname(ev.Hostname)] = true
				}
			}
			for i := range cs.Changes {
				if custom[cs.Changes[i].New] {
					cs.Changes[i].Reason += " (not validated: validate_forward false)"
				}
			}
		}
		j.changes = cs
		all.Changes = append(all.Changes, cs.Changes...)
		ok = append(ok, j)
	}
	if len(ok) == 0 {
		return rest
	}
	before := map[*writeJob]*api.PTR{}
	s.mu.RLock()
	for _, j := range ok {
		if j.ip.IsValid() {
			before[j] = s.ptrOf(set, j.ip)
		}
	}
	s.mu.RUnlock()
	reply := func(written bool, err error) {
		s.mu.RLock()
		defer s.mu.RUnlock()
		for _, j := range ok {
			r := writeResult{changes: j.changes, before: before[j], written: written && !j.changes.Empty(), err: err}
			if j.ip.IsValid() {
				r.after = s.ptrOf(s.set, j.ip)
				r.serial = serialOf(s.set, r.after.Zone)
			}
			j.result <- r
		}
	}
	if all.Empty() || !f.write {
		reply(false, nil)
		return rest
	}
	p, err := e.Plan(ctx, set, apply.Request{Changes: all}, apply.Options{}) // guarded per request above
	if err != nil {
		reply(false, s.upstreamError(err))
		return rest
	}
	if p.Refusal != nil {
		reply(false, api.Errorf(http.StatusUnprocessableEntity, "mass_change", p.Refusal.Error()))
		return rest
	}
	res, err := tx.Commit(ctx, p, apply.Record{Operator: caller, Command: "rdnsctl serve", Now: a.Now()})
	if err != nil && res.Committed == 0 {
		if len(ok) > 1 {
			// the refusal may be one request's: each is tried alone, so
			// that it does not hold the others back
			return append(solo(ok), rest...)
		}
		reply(false, s.upstreamError(err))
		return rest
	}
	reloadErr := s.written(p.Write.Targets())
	if err == nil {
		for _, t := range p.Write.Targets() {
			if s.rcodes != nil && strings.HasPrefix(t.Path, "axfr://") {
				s.rcodes.WithLabelValues("NOERROR").Inc() // the zone's UPDATEs were accepted
			}
		}
		reply(true, nil)
		return rest
	}
	// part of the write failed after its commit (a live server refused a
	// zone after the files or other zones were written): each request is
	// told what of it is live, never that all of it is
	a.warn(fmt.Sprintf("serve: part of a write failed after its commit: %v", err))
	if reloadErr != nil {
		e := api.Errorf(http.StatusBadGateway, "upstream", fmt.Sprintf("%v; the zones could not be read again (%v): which changes are live is unknown, see GET and the journal", s.upstreamError(err), reloadErr))
		for _, j := range ok {
			j.result <- writeResult{err: e}
		}
		return rest
	}
	var retry []*writeJob
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, j := range ok {
		var live []rdns.Change
		for _, c := range j.changes.Changes {
			if s.isLive(c) {
				live = append(live, c)
			}
		}
		switch {
		case len(live) == len(j.changes.Changes):
			r := writeResult{changes: j.changes, before: before[j], written: true}
			if j.ip.IsValid() {
				r.after = s.ptrOf(s.set, j.ip)
				r.serial = serialOf(s.set, r.after.Zone)
			}
			j.result <- r
		case len(live) == 0 && len(ok) > 1:
			retry = append(retry, j)
		default:
			e, _ := s.upstreamError(err).(*api.Error)
			if e == nil {
				e = api.Errorf(http.StatusBadGateway, "upstream", err.Error())
			}
			if len(live) > 0 {
				e.Detail = fmt.Sprintf("only %d of the %d changes were applied (journaled; the rest was refused): %s", len(live), len(j.changes.Changes), e.Detail)
				if e.Extra == nil {
					e.Extra = map[string]any{}
				}
				e.Extra["applied"] = live
			}
			j.result <- writeResult{err: e}
		}
	}
	return append(solo(retry), rest...)
}

// solo marks jobs to be committed one at a time.
func solo(js []*writeJob) []*writeJob {
	for _, j := range js {
		j.solo = true
	}
	return js
}

// isLive says whether a PTR change is in the zones as last read. Hold s.mu.
func (s *apiService) isLive(c rdns.Change) bool {
	if c.Type != "PTR" || !c.Addr.IsValid() {
		return false
	}
	have := s.ptrOf(s.set, c.Addr).PTR
	has := func(name string) bool {
		return slices.ContainsFunc(have, func(h string) bool { return strings.EqualFold(h, name) })
	}
	switch c.Action {
	case rdns.Add:
		return has(c.New)
	case rdns.Replace:
		return has(c.New) && (strings.EqualFold(c.Old, c.New) || !has(c.Old))
	case rdns.Delete:
		return !has(c.Old)
	}
	return false
}

// check refuses a single-address job whose If-Match no longer matches, or
// whose address no loaded zone holds.
func (s *apiService) check(set *zoneset.Set, j *writeJob) error {
	for _, ev := range j.events {
		a, _ := netip.ParseAddr(ev.IP)
		switch set.Lookup(a).Status {
		case zoneset.Unmanaged:
			return api.Errorf(http.StatusNotFound, "no_zone", a.String()+" is in no loaded zone (rdnsctl serve never creates zones)")
		case zoneset.Delegated:
			return api.Errorf(http.StatusConflict, "delegated", a.String()+" is delegated (RFC 2317) to a child zone that is not ours")
		}
	}
	if j.ifMatch != "" && j.ip.IsValid() {
		cur := s.ptrOf(set, j.ip).ETag()
		if !api.IfMatch(j.ifMatch, cur) {
			return api.Errorf(http.StatusPreconditionFailed, "stale", fmt.Sprintf("If-Match %s no longer matches %s (now %s); nothing written", j.ifMatch, j.ip, cur))
		}
	}
	return nil
}

// rcodeName is the mnemonic of a DNS RCODE (RFC 1035, RFC 2136), for the
// problem document and the rdnsctl_upstream_rcodes_total metric.
func rcodeName(rc int) string {
	names := []string{"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE"}
	if rc >= 0 && rc < len(names) {
		return names[rc]
	}
	return fmt.Sprintf("RCODE%d", rc)
}

// upstreamError words a failed write for the API.
func (s *apiService) upstreamError(err error) error {
	var rc *rfc2136.ConflictError
	var pc *powerdns.ConflictError
	var re *rfc2136.Error
	var pe *powerdns.Error
	switch {
	case errors.As(err, &rc):
		e := api.Errorf(http.StatusConflict, "conflict", err.Error())
		e.Extra = map[string]any{"rcode": rcodeName(rc.Rcode)}
		return e
	case errors.As(err, &pc):
		return api.Errorf(http.StatusConflict, "conflict", err.Error())
	case errors.As(err, &re):
		e := api.Errorf(http.StatusBadGateway, "upstream", err.Error())
		if re.Rcode >= 0 {
			e.Extra = map[string]any{"rcode": rcodeName(re.Rcode)}
		}
		return e
	case errors.As(err, &pe):
		return api.Errorf(http.StatusBadGateway, "upstream", err.Error())
	case errors.Is(err, apply.ErrInterrupted):
		return api.Errorf(http.StatusServiceUnavailable, "shutting_down", err.Error())
	}
	return err
}

func (s *apiService) Log(ctx context.Context, prefix netip.Prefix, since time.Time, limit int) ([]journal.Entry, error) {
	entries, _, err := journal.ReadFile(s.a.journalPath(), journal.Filter{Prefix: prefix, Since: since})
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	slices.Reverse(entries)
	if len(entries) > limit {
		entries = entries[:limit]
	}
	if entries == nil {
		entries = []journal.Entry{}
	}
	return entries, nil
}

func (s *apiService) FCrDNS(ctx context.Context, ip netip.Addr) (any, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	res, err := fcrdns.CheckAll(ctx, s.resolver, []netip.Addr{ip}, fcrdns.Options{})
	if err != nil {
		e := api.Errorf(http.StatusServiceUnavailable, "resolver", err.Error())
		e.RetryAfter = 5
		return nil, e
	}
	if len(res) != 1 {
		return nil, api.Errorf(http.StatusServiceUnavailable, "resolver", "no verdict")
	}
	return res[0], nil
}

func (s *apiService) Ready(ctx context.Context) error {
	s.mu.RLock()
	var first string
	if s.set != nil && len(s.set.Zones) > 0 {
		first = s.set.Zones[0].Origin
	}
	loaded := s.set != nil
	s.mu.RUnlock()
	if !loaded {
		return errors.New("zones not loaded")
	}
	e, err := s.a.engine(&changeFlags{lockTimeout: 2 * time.Second})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	tx, err := e.Begin(ctx)
	if err != nil {
		return fmt.Errorf("zones lock: %w", err)
	}
	tx.Close()
	for i := range s.a.cfg.Servers {
		sc := &s.a.cfg.Servers[i]
		if sc.Address == "" {
			continue
		}
		srv := sc.dnsServer()
		if sc.Type == "powerdns" {
			srv.Key = nil
		}
		// a zone the server holds for us must answer with its SOA; a server
		// that holds none of ours (a secondary, one serving only zone
		// files) need only answer
		zone, ours := first, false
		for _, rz := range s.a.cfg.RemoteZones {
			if rz.Server == sc.Name && rz.Origin != "" {
				zone, ours = rz.Origin, true
				break
			}
		}
		if zone == "" {
			zone = "."
		}
		if _, err := srv.Serial(ctx, zone); err != nil {
			var re *rfc2136.Error
			if ours || !errors.As(err, &re) || re.Rcode < 0 || re.TSIG != 0 {
				return fmt.Errorf("server %s: %w", sc.Name, err)
			}
		}
	}
	// the resolvers answer (any answer: an authoritative-only server
	// refuses the question, which is an answer)
	if _, err := s.resolver.PTR(ctx, netip.MustParseAddr("127.0.0.1")); err != nil {
		var te *resolver.TempError
		if errors.As(err, &te) && te.Err != nil {
			return fmt.Errorf("resolvers: %w", err)
		}
	}
	return nil
}
