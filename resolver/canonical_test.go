package resolver_test

import (
	"context"
	"testing"

	"github.com/rdnsctl/rdnsctl/internal/dnstest"
)

// AddrsCanonical names the end of the CNAME chain, so that set can refuse a
// PTR target that is an alias.
func TestAddrsCanonical(t *testing.T) {
	t.Parallel()
	c := newClient(t, fast(dnstest.NewServer(t, dnstest.Handler(t, zone...))))
	tests := []struct {
		name, canon string
		n           int
	}{
		{"mail.example.com.", "", 2},
		{"www.example.com.", "mail.example.com.", 2},
		{"ALIAS3.example.com", "mail.example.com.", 2},
		{"nowhere.example.com.", "", 0},
	}
	for _, tt := range tests {
		got, canon, err := c.AddrsCanonical(context.Background(), tt.name, false)
		if err != nil || canon != tt.canon || len(got) != tt.n {
			t.Errorf("AddrsCanonical(%s) = %v, %q, %v; want %d addresses, %q", tt.name, got, canon, err, tt.n, tt.canon)
		}
	}
}
