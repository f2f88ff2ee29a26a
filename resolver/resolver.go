// Package resolver looks up PTR and address records for rdnsctl.
//
// Resolver is the interface the domain packages use; Client (New) is the
// network implementation: a stub client built for checking millions of
// addresses against authoritative or recursive servers, at about the rate
// dnsperf reaches against the same server. Besides the blocking methods of
// Resolver, Client has PTRFunc and AddrsFunc, which call back with the result
// so that a caller can keep thousands of lookups going without a goroutine
// each.
package resolver

import (
	"context"
	"errors"
	"net/netip"
)

// Resolver answers the two questions forward-confirmed reverse DNS asks.
//
// Names are returned lower-case and fully qualified (with the trailing dot);
// names passed in are compared case-insensitively. Both methods follow CNAME
// chains, including into another zone (an RFC 2317 parent answers with a
// CNAME into the child zone, and an authoritative server may stop there), up
// to a depth limit.
//
// A name or address without the data asked for (NXDOMAIN or NODATA) gives a
// nil slice and a nil error. Anything that leaves the answer unknown
// (timeout after retries, SERVFAIL, REFUSED, a CNAME loop or a chain too
// long, a network error) gives an error for which IsTemp reports true.
type Resolver interface {
	// PTR returns the PTR target names of addr's reverse name.
	PTR(ctx context.Context, addr netip.Addr) ([]string, error)
	// Addrs returns the A (v6 false) or AAAA (v6 true) addresses of name.
	Addrs(ctx context.Context, name string, v6 bool) ([]netip.Addr, error)
}

// Canonicalizer is a Resolver that also tells when a name is an alias: set
// refuses a PTR target that is a CNAME (RFC 1912 §2.4: a PTR names the host
// itself, not an alias of it).
type Canonicalizer interface {
	// AddrsCanonical is Addrs, and when name is an alias (the addresses
	// were found through CNAMEs) the canonical name at the end of the
	// chain, lower-case and fully qualified; "" when name is not an alias.
	AddrsCanonical(ctx context.Context, name string, v6 bool) ([]netip.Addr, string, error)
}

// TempError means a lookup gave no answer: the data is unknown, not absent.
type TempError struct {
	// Cause says what went wrong, e.g. "SERVFAIL from 127.0.0.1:53" or
	// "timeout after 3 attempts".
	Cause string
	// Err is the underlying error, if any (a net error, context.Canceled).
	Err error
}

func (e *TempError) Error() string { return "temporary DNS failure: " + e.Cause }

// Unwrap returns Err.
func (e *TempError) Unwrap() error { return e.Err }

// Temporary reports true (the net.Error convention).
func (e *TempError) Temporary() bool { return true }

// IsTemp reports whether err is or wraps a *TempError.
func IsTemp(err error) bool {
	var te *TempError
	return errors.As(err, &te)
}
