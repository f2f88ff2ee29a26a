package fcrdns_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rdnsctl/rdnsctl/fcrdns"
	"github.com/rdnsctl/rdnsctl/internal/dnstest"
	"github.com/rdnsctl/rdnsctl/resolver"
)

// fake is an in-memory Resolver. Keys: an address for PTR, "name A" or
// "name AAAA" for Addrs (names as given by the test, looked up lower-case).
type fake struct {
	ptr   map[string][]string
	fwd   map[string][]string
	fail  map[string]bool // key -> TempError
	delay time.Duration

	mu    sync.Mutex
	calls map[string]int
}

func (f *fake) count(key string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.calls == nil {
		f.calls = map[string]int{}
	}
	f.calls[key]++
}

func (f *fake) wait(ctx context.Context) error {
	if f.delay == 0 {
		return nil
	}
	select {
	case <-time.After(f.delay):
		return nil
	case <-ctx.Done():
		return &resolver.TempError{Cause: ctx.Err().Error(), Err: ctx.Err()}
	}
}

func (f *fake) PTR(ctx context.Context, addr netip.Addr) ([]string, error) {
	key := addr.String()
	f.count(key)
	if err := f.wait(ctx); err != nil {
		return nil, err
	}
	if f.fail[key] {
		return nil, &resolver.TempError{Cause: "SERVFAIL from fake"}
	}
	return f.ptr[key], nil
}

func (f *fake) Addrs(ctx context.Context, name string, v6 bool) ([]netip.Addr, error) {
	key := strings.ToLower(name) + " A"
	if v6 {
		key += "AAA"
	}
	f.count(key)
	if err := f.wait(ctx); err != nil {
		return nil, err
	}
	if f.fail[key] {
		return nil, &resolver.TempError{Cause: "timeout from fake"}
	}
	var out []netip.Addr
	for _, s := range f.fwd[key] {
		out = append(out, netip.MustParseAddr(s))
	}
	return out, nil
}

func world() *fake {
	return &fake{
		ptr: map[string][]string{
			"192.0.2.1":   {"Mail.Example.COM."},
			"192.0.2.2":   {"gone.example.com."},
			"192.0.2.3":   {"moved.example.com."},
			"192.0.2.4":   {"mail.example.com.", "www.example.com."},
			"192.0.2.5":   {"flaky.example.com."},
			"192.0.2.7":   {"pool.example.com."},
			"192.0.2.8":   {"pool.example.com"}, // no final dot from some resolver
			"192.0.2.9":   {"mail.example.com.", "flaky.example.com."},
			"192.0.2.11":  {"gone.example.com.", "moved.example.com."},
			"192.0.2.12":  {"moved.example.com.", "host12.example.com."},
			"2001:db8::1": {"v6.example.com."},
			"2001:db8::2": {"mail.example.com."}, // has A, no AAAA
		},
		fwd: map[string][]string{
			"mail.example.com. A":   {"192.0.2.1", "192.0.2.4"},
			"moved.example.com. A":  {"198.51.100.3", "198.51.100.30"},
			"www.example.com. A":    {"192.0.2.4"},
			"pool.example.com. A":   {"192.0.2.8", "192.0.2.7"},
			"v6.example.com. AAAA":  {"2001:db8::1"},
			"host12.example.com. A": {"192.0.2.12"},
		},
		fail: map[string]bool{
			"192.0.2.6":              true,
			"flaky.example.com. A":   true,
			"unknown.example.com. A": true,
		},
	}
}

func addrs(s ...string) []netip.Addr {
	out := make([]netip.Addr, len(s))
	for i, x := range s {
		out[i] = netip.MustParseAddr(x)
	}
	return out
}

func run(t *testing.T, r resolver.Resolver, in []netip.Addr, opt fcrdns.Options) []fcrdns.Result {
	t.Helper()
	ctx := context.Background()
	res, err := fcrdns.CheckAll(ctx, r, in, opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != len(in) {
		t.Fatalf("%d results for %d addresses", len(res), len(in))
	}
	return res
}

func TestVerdicts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		addr    string
		verdict fcrdns.Verdict
		iprev   fcrdns.IPRev
		ptr     string // space-separated
		forward string
		names   string // "name:verdict ..."
		err     string
	}{
		{"192.0.2.1", fcrdns.Pass, fcrdns.IPRevPass, "mail.example.com.", "192.0.2.1 192.0.2.4", "mail.example.com.:pass", ""},
		{"::ffff:192.0.2.1", fcrdns.Pass, fcrdns.IPRevPass, "mail.example.com.", "192.0.2.1 192.0.2.4", "mail.example.com.:pass", ""},
		{"192.0.2.2", fcrdns.NoForward, fcrdns.IPRevFail, "gone.example.com.", "", "gone.example.com.:no-forward", ""},
		{"192.0.2.3", fcrdns.Mismatch, fcrdns.IPRevFail, "moved.example.com.", "198.51.100.3 198.51.100.30", "moved.example.com.:mismatch", ""},
		// RFC 8601 §3: iprev passes when one of several names confirms;
		// multi-ptr stays a finding of its own.
		{"192.0.2.4", fcrdns.MultiPTR, fcrdns.IPRevPass, "mail.example.com. www.example.com.", "192.0.2.1 192.0.2.4", "mail.example.com.:pass www.example.com.:pass", ""},
		{"192.0.2.5", fcrdns.Error, fcrdns.IPRevTempError, "flaky.example.com.", "", "flaky.example.com.:error", "timeout from fake"},
		{"192.0.2.6", fcrdns.Error, fcrdns.IPRevTempError, "", "", "", "SERVFAIL from fake"},
		{"192.0.2.7", fcrdns.Pass, fcrdns.IPRevPass, "pool.example.com.", "192.0.2.7 192.0.2.8", "pool.example.com.:pass", ""},
		{"192.0.2.8", fcrdns.Pass, fcrdns.IPRevPass, "pool.example.com.", "192.0.2.7 192.0.2.8", "pool.example.com.:pass", ""},
		{"192.0.2.9", fcrdns.MultiPTR, fcrdns.IPRevTempError, "flaky.example.com. mail.example.com.", "192.0.2.1 192.0.2.4", "flaky.example.com.:error mail.example.com.:mismatch", ""},
		{"192.0.2.11", fcrdns.MultiPTR, fcrdns.IPRevFail, "gone.example.com. moved.example.com.", "198.51.100.3 198.51.100.30", "gone.example.com.:no-forward moved.example.com.:mismatch", ""},
		{"192.0.2.12", fcrdns.MultiPTR, fcrdns.IPRevPass, "host12.example.com. moved.example.com.", "192.0.2.12 198.51.100.3 198.51.100.30", "host12.example.com.:pass moved.example.com.:mismatch", ""},
		{"192.0.2.10", fcrdns.NoPTR, fcrdns.IPRevPermError, "", "", "", ""},
		{"2001:db8::1", fcrdns.Pass, fcrdns.IPRevPass, "v6.example.com.", "2001:db8::1", "v6.example.com.:pass", ""},
		{"2001:db8::2", fcrdns.NoForward, fcrdns.IPRevFail, "mail.example.com.", "", "mail.example.com.:no-forward", ""},
	}
	var in []netip.Addr
	for _, tt := range tests {
		in = append(in, netip.MustParseAddr(tt.addr))
	}
	f := world()
	res := run(t, f, in, fcrdns.Options{Workers: 3})
	for i, tt := range tests {
		r := res[i]
		t.Run(tt.addr, func(t *testing.T) {
			if want := netip.MustParseAddr(tt.addr).Unmap(); r.IP != want {
				t.Errorf("IP = %s, want %s", r.IP, want)
			}
			var fwd, names []string
			for _, a := range r.Forward {
				fwd = append(fwd, a.String())
			}
			for _, n := range r.Names {
				names = append(names, n.Name+":"+string(n.Verdict))
			}
			got := fmt.Sprintf("%s %s ptr=[%s] fwd=[%s] names=[%s]", r.Verdict, r.IPRev,
				strings.Join(r.PTR, " "), strings.Join(fwd, " "), strings.Join(names, " "))
			want := fmt.Sprintf("%s %s ptr=[%s] fwd=[%s] names=[%s]", tt.verdict, tt.iprev, tt.ptr, tt.forward, tt.names)
			if got != want {
				t.Errorf("\n got %s\nwant %s", got, want)
			}
			if !strings.Contains(r.Error, tt.err) || (tt.err == "") != (r.Error == "") {
				t.Errorf("Error = %q, want %q", r.Error, tt.err)
			}
		})
	}
	// One forward lookup per (name, family), however many PTRs name it.
	for key, n := range f.calls {
		if n != 1 && strings.Contains(key, " ") {
			t.Errorf("%d lookups of %s", n, key)
		}
	}
	s := fcrdns.Summarize(res)
	want := fcrdns.Summary{Total: 15, Pass: 5, NoPTR: 1, NoForward: 2, Mismatch: 1, MultiPTR: 4, Error: 2}
	if s != want {
		t.Errorf("Summarize = %+v, want %+v", s, want)
	}
	if s.Failed() != 8 {
		t.Errorf("Failed() = %d, want 8", s.Failed())
	}
	if s.NothingVerified() {
		t.Error("NothingVerified() = true with 13 verified checks")
	}
	for _, tc := range []struct {
		s    fcrdns.Summary
		want bool
	}{
		{fcrdns.Summary{Total: 3, Error: 3}, true},
		{fcrdns.Summary{Total: 3, Error: 2, Pass: 1}, false},
		{fcrdns.Summary{Total: 3, Error: 2, NoPTR: 1}, false},
		{fcrdns.Summary{}, false},
	} {
		if got := tc.s.NothingVerified(); got != tc.want {
			t.Errorf("%+v.NothingVerified() = %v, want %v", tc.s, got, tc.want)
		}
	}
}

func TestJSON(t *testing.T) {
	t.Parallel()
	res := run(t, world(), addrs("192.0.2.10", "192.0.2.9"), fcrdns.Options{})
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"ip":"192.0.2.10","verdict":"no-ptr","iprev":"permerror","ptr":[],"forward":[],"names":[]},` +
		`{"ip":"192.0.2.9","verdict":"multi-ptr","iprev":"temperror","ptr":["flaky.example.com.","mail.example.com."],` +
		`"forward":["192.0.2.1","192.0.2.4"],"names":[` +
		`{"name":"flaky.example.com.","verdict":"error","forward":[],"error":"temporary DNS failure: timeout from fake"},` +
		`{"name":"mail.example.com.","verdict":"mismatch","forward":["192.0.2.1","192.0.2.4"]}]}]`
	if string(b) != want {
		t.Errorf("JSON:\n got %s\nwant %s", b, want)
	}
	b, _ = json.Marshal(fcrdns.Summarize(res))
	if want := `{"total":2,"pass":0,"no-ptr":1,"no-forward":0,"mismatch":0,"multi-ptr":1,"error":0}`; string(b) != want {
		t.Errorf("Summary JSON:\n got %s\nwant %s", b, want)
	}
}

// TestInputOrder: results come back in input order whatever the timing,
// from a slice or streamed from a slow producer.
func TestInputOrder(t *testing.T) {
	t.Parallel()
	f := &fake{ptr: map[string][]string{}, fwd: map[string][]string{}}
	var in []netip.Addr
	for i := range 10000 {
		a := netip.AddrFrom4([4]byte{10, byte(i * 7 >> 16), byte(i * 7 >> 8), byte(i * 7)})
		in = append(in, a)
		if i%3 == 0 {
			f.ptr[a.String()] = []string{fmt.Sprintf("h%d.example.", i)}
		}
	}
	in = append(in, in[5]) // duplicates are kept
	check := func(t *testing.T, res []fcrdns.Result, p *progress) {
		if len(res) != len(in) {
			t.Fatalf("%d results for %d addresses", len(res), len(in))
		}
		for i := range in {
			if res[i].IP != in[i] {
				t.Fatalf("result %d is for %s, want %s", i, res[i].IP, in[i])
			}
		}
		if p.n.Load() != int64(len(in)) {
			t.Errorf("progress counted %d of %d", p.n.Load(), len(in))
		}
	}
	t.Run("slice", func(t *testing.T) {
		var p progress
		check(t, run(t, f, in, fcrdns.Options{Workers: 64, Progress: &p}), &p)
	})
	t.Run("stream", func(t *testing.T) {
		ch := make(chan netip.Addr)
		go func() {
			for i, a := range in {
				if i%1000 == 0 {
					time.Sleep(time.Millisecond) // short batches too
				}
				ch <- a
			}
			close(ch)
		}()
		var p progress
		res, err := fcrdns.Check(context.Background(), f, ch, fcrdns.Options{Workers: 64, Progress: &p})
		if err != nil {
			t.Fatal(err)
		}
		check(t, res, &p)
	})
}

type progress struct{ n atomic.Int64 }

func (p *progress) Add(n int) { p.n.Add(int64(n)) }

// cancelAt cancels a context once n addresses are checked.
type cancelAt struct {
	n      int
	cancel context.CancelFunc
}

func (c *cancelAt) Add(n int) {
	if c.n -= n; c.n <= 0 {
		c.cancel()
	}
}

func TestCancel(t *testing.T) {
	t.Parallel()
	f := world()
	f.delay = time.Millisecond
	var in []netip.Addr
	for i := range 1000 {
		in = append(in, netip.AddrFrom4([4]byte{192, 0, 2, byte(1 + i%10)}))
	}
	for _, stream := range []bool{false, true} {
		t.Run(fmt.Sprintf("stream=%v", stream), func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			opt := fcrdns.Options{Workers: 8, Progress: &cancelAt{n: 100, cancel: cancel}}
			start := time.Now()
			var res []fcrdns.Result
			var err error
			if stream {
				ch := make(chan netip.Addr)
				go func() {
					defer close(ch)
					for _, a := range in {
						select {
						case ch <- a:
						case <-ctx.Done():
							return
						}
					}
				}()
				res, err = fcrdns.Check(ctx, f, ch, opt)
			} else {
				res, err = fcrdns.CheckAll(ctx, f, in, opt)
			}
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %v, want context.Canceled", err)
			}
			if el := time.Since(start); el > 5*time.Second {
				t.Errorf("took %v after cancel", el)
			}
			if len(res) < 100 || len(res) >= len(in) {
				t.Fatalf("%d results", len(res))
			}
			// What is returned is complete and true: no error verdicts made
			// up by the cancellation (192.0.2.5 and .6 fail in the fake).
			for _, r := range res {
				if r.Verdict == fcrdns.Error && r.IP != netip.MustParseAddr("192.0.2.5") && r.IP != netip.MustParseAddr("192.0.2.6") {
					t.Errorf("%s: error verdict after cancel: %s", r.IP, r.Error)
				}
				if strings.Contains(r.Error, "canceled") {
					t.Errorf("%s: %s", r.IP, r.Error)
				}
			}
		})
	}
}

func TestValidateForward(t *testing.T) {
	t.Parallel()
	f := world()
	tests := []struct {
		addr, name string
		want       string // "" = nil
	}{
		{"192.0.2.1", "mail.example.com.", ""},
		{"192.0.2.1", "MAIL.example.com", ""},
		{"192.0.2.4", "www.example.com.", ""},
		{"192.0.2.3", "moved.example.com.", "moved.example.com. resolves to 198.51.100.3, 198.51.100.30, not 192.0.2.3"},
		{"192.0.2.2", "gone.example.com.", "gone.example.com. has no A record or does not exist, so it does not resolve to 192.0.2.2"},
		{"2001:db8::2", "mail.example.com.", "mail.example.com. has no AAAA record or does not exist, so it does not resolve to 2001:db8::2"},
		{"192.0.2.5", "unknown.example.com.", "forward lookup of unknown.example.com.: temporary DNS failure: timeout from fake"},
	}
	for _, tt := range tests {
		err := fcrdns.ValidateForward(context.Background(), f, netip.MustParseAddr(tt.addr), tt.name)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("ValidateForward(%s, %s) = %v", tt.addr, tt.name, err)
		case tt.want != "" && (err == nil || err.Error() != tt.want):
			t.Errorf("ValidateForward(%s, %s) = %v\nwant %s", tt.addr, tt.name, err, tt.want)
		}
	}
	err := fcrdns.ValidateForward(context.Background(), f, netip.MustParseAddr("192.0.2.5"), "unknown.example.com.")
	if !resolver.IsTemp(err) {
		t.Errorf("a failed lookup is not a TempError: %v", err)
	}
	var fe *fcrdns.ForwardError
	err = fcrdns.ValidateForward(context.Background(), f, netip.MustParseAddr("192.0.2.3"), "moved.example.com.")
	if !errors.As(err, &fe) || len(fe.Forward) != 2 {
		t.Errorf("mismatch is not a *ForwardError with the addresses: %#v", err)
	}
}

// A zone for the tests over the network: 192.0.2.0/24 and 198.51.100.0/24.
//   - .1-.99 pass; .100-.149 point at pool-N.example.com (one name, many
//     addresses: pass; one per /24 so that its A records fit in UDP); .150-.169 point at nothing.example.com (no-forward);
//     .170-.189 at moved.example.com (mismatch); .190-.199 have two PTRs;
//     .200-.254 have no PTR.
func networkZone() (rrs []string, want map[netip.Addr]fcrdns.Verdict) {
	want = map[netip.Addr]fcrdns.Verdict{}
	for _, net := range [][3]byte{{192, 0, 2}, {198, 51, 100}} {
		rev := fmt.Sprintf("%d.%d.%d.in-addr.arpa.", net[2], net[1], net[0])
		for i := 1; i <= 254; i++ {
			a := netip.AddrFrom4([4]byte{net[0], net[1], net[2], byte(i)})
			owner := fmt.Sprintf("%d.%s 300 IN PTR ", i, rev)
			host := fmt.Sprintf("h-%d-%d.example.com.", net[2], i)
			pool := fmt.Sprintf("pool-%d.example.com.", net[2])
			switch {
			case i < 100:
				rrs = append(rrs, owner+host, host+" 300 IN A "+a.String())
				want[a] = fcrdns.Pass
			case i < 150:
				rrs = append(rrs, owner+strings.ToUpper(pool), pool+" 300 IN A "+a.String())
				want[a] = fcrdns.Pass
			case i < 170:
				rrs = append(rrs, owner+"nothing.example.com.")
				want[a] = fcrdns.NoForward
			case i < 190:
				rrs = append(rrs, owner+"moved.example.com.")
				want[a] = fcrdns.Mismatch
			case i < 200:
				rrs = append(rrs, owner+host, owner+pool, host+" 300 IN A "+a.String())
				want[a] = fcrdns.MultiPTR
			default:
				want[a] = fcrdns.NoPTR
			}
		}
	}
	rrs = append(rrs, "moved.example.com. 300 IN A 203.0.113.1")
	return rrs, want
}

func sortedKeys(m map[netip.Addr]fcrdns.Verdict) []netip.Addr {
	var out []netip.Addr
	for a := range m {
		out = append(out, a)
	}
	slices.SortFunc(out, netip.Addr.Compare)
	return out
}

// TestOneQueryPerName: over the network, each distinct PTR name is looked up
// once, however many addresses point at it; from a slice or a stream.
func TestOneQueryPerName(t *testing.T) {
	t.Parallel()
	rrs, want := networkZone()
	in := sortedKeys(want)
	for _, stream := range []bool{false, true} {
		t.Run(fmt.Sprintf("stream=%v", stream), func(t *testing.T) {
			t.Parallel()
			h := dnstest.Count(dnstest.Handler(t, rrs...))
			c, err := resolver.New(resolver.Config{Servers: []string{dnstest.NewServer(t, h)}, Timeout: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			var res []fcrdns.Result
			if stream {
				ch := make(chan netip.Addr)
				go func() {
					for _, a := range in {
						ch <- a
					}
					close(ch)
				}()
				res, err = fcrdns.Check(context.Background(), c, ch, fcrdns.Options{Workers: 50})
				if err != nil {
					t.Fatal(err)
				}
			} else {
				res = run(t, c, in, fcrdns.Options{Workers: 50})
			}
			if len(res) != len(in) {
				t.Fatalf("%d results for %d addresses", len(res), len(in))
			}
			for i, r := range res {
				if r.IP != in[i] || r.Verdict != want[in[i]] {
					t.Errorf("%s: %s, want %s for %s (%s)", r.IP, r.Verdict, want[in[i]], in[i], r.Error)
				}
			}
			for _, name := range []string{"pool-2.example.com.", "pool-100.example.com.", "nothing.example.com.", "moved.example.com."} {
				if n := h.Queries(name, "A"); n != 1 {
					t.Errorf("%d A queries for %s, want 1", n, name)
				}
			}
			// One PTR query per address, one A query per distinct name.
			if n, want := h.Queries("", ""), 508+2*(99+10+1)+2; n != want {
				t.Errorf("%d queries in all, want %d", n, want)
			}
		})
	}
}

// TestCancelNetwork: cancelling a check over the network returns promptly
// with the addresses fully checked, none made up from the cancellation.
func TestCancelNetwork(t *testing.T) {
	t.Parallel()
	rrs, want := networkZone()
	h := dnstest.Slow(dnstest.Handler(t, rrs...), 20*time.Millisecond)
	c, err := resolver.New(resolver.Config{Servers: []string{dnstest.NewServer(t, h)}, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	in := sortedKeys(want)
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	start := time.Now()
	res, err := fcrdns.CheckAll(ctx, c, in, fcrdns.Options{Workers: 10})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("returned %v after the start, for a 150ms deadline", el)
	}
	if len(res) == 0 || len(res) == len(in) {
		t.Fatalf("%d results", len(res))
	}
	for _, r := range res {
		if r.Verdict != want[r.IP] {
			t.Errorf("%s: %s, want %s (%s)", r.IP, r.Verdict, want[r.IP], r.Error)
		}
	}
}

// TestDroppedQueries: a server dropping 20% of queries never causes a wrong
// pass, no-ptr, no-forward or mismatch: only error, where retries ran out.
func TestDroppedQueries(t *testing.T) {
	t.Parallel()
	rrs, want := networkZone()
	h := dnstest.Drop(dnstest.Handler(t, rrs...), 0.2, 7)
	c, err := resolver.New(resolver.Config{
		Servers: []string{dnstest.NewServer(t, h)},
		Timeout: 100 * time.Millisecond, Retries: 2, Backoff: -1,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	in := sortedKeys(want)
	res := run(t, c, in, fcrdns.Options{Workers: 100})
	errs := 0
	failed := map[string]bool{} // lookups that ran out of retries
	for i, r := range res {
		switch {
		case r.Verdict == fcrdns.Error:
			errs++
			if r.IPRev != fcrdns.IPRevTempError || !strings.Contains(r.Error, "timeout") {
				t.Errorf("%s: error verdict with iprev %s, cause %q", r.IP, r.IPRev, r.Error)
			}
			if len(r.PTR) == 0 {
				failed[r.IP.String()] = true
			} else {
				failed[r.PTR[0]] = true // all the addresses naming it share the failure
			}
		case r.Verdict != want[in[i]]:
			t.Errorf("%s: %s, want %s", r.IP, r.Verdict, want[in[i]])
		}
	}
	// 3 attempts each: P(all lost) = 0.8% per lookup, about 6 of 730.
	if len(failed) > 25 {
		t.Errorf("%d lookups failed: %v", len(failed), failed)
	}
	t.Logf("%d errors from %d failed lookups, %+v", errs, len(failed), c.Stats())
}
