package dnstest

import (
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// Counter is a handler that counts the queries it passes on.
type Counter struct {
	h  dns.Handler
	mu sync.Mutex
	n  map[string]int
}

// Count wraps h in a Counter.
func Count(h dns.Handler) *Counter { return &Counter{h: h, n: map[string]int{}} }

// ServeDNS counts the query and lets the wrapped handler answer it.
func (c *Counter) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	if len(r.Question) > 0 {
		q := r.Question[0]
		c.mu.Lock()
		c.n[strings.ToLower(dns.Fqdn(q.Name))+" "+dns.TypeToString[q.Qtype]]++
		c.n[""]++
		c.mu.Unlock()
	}
	c.h.ServeDNS(w, r)
}

// Queries returns how many queries for name (any case, with or without the
// final dot) and type ("A", "PTR") were seen; Queries("", "") counts all.
func (c *Counter) Queries(name, qtype string) int {
	key := ""
	if name != "" || qtype != "" {
		key = strings.ToLower(dns.Fqdn(name)) + " " + strings.ToUpper(qtype)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[key]
}

// Drop wraps h so that a fraction frac of the queries go unanswered, chosen
// by a generator seeded with seed (the choice depends on arrival order).
func Drop(h dns.Handler, frac float64, seed uint64) dns.Handler {
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(seed, seed))
	return dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		mu.Lock()
		drop := rng.Float64() < frac
		mu.Unlock()
		if !drop {
			h.ServeDNS(w, r)
		}
	})
}

// Slow wraps h so that every answer is delayed by d (queries are handled
// concurrently, so this adds latency, not a rate limit).
func Slow(h dns.Handler, d time.Duration) dns.Handler {
	return dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		time.Sleep(d)
		h.ServeDNS(w, r)
	})
}
