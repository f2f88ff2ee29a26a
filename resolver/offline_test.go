package resolver_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"net/netip"

	"github.com/rdnsctl/rdnsctl/resolver"
	"github.com/rdnsctl/rdnsctl/zoneset"
)

func offlineSet(t *testing.T, files map[string]string) *zoneset.Set {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s, err := zoneset.Load([]zoneset.Spec{{Path: dir}}, zoneset.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Offline answers like the zones' servers would: a name inside a loaded zone
// (forward or reverse) without the records asked for is NXDOMAIN or NODATA,
// not an unknown; only what no loaded zone covers is unknown.
func TestOffline(t *testing.T) {
	t.Parallel()
	s := offlineSet(t, map[string]string{
		"db.192.0.2": `$ORIGIN 2.0.192.in-addr.arpa.
@ 300 SOA ns.example.com. h.example.com. 1 2 3 4 5
@ 300 NS ns.example.com.
5 300 PTR mail.example.com.
9 300 PTR 9.2.0.192.in-addr.arpa.
`,
		"example.com.zone": `$ORIGIN example.com.
@ 300 SOA ns.example.com. h.example.com. 1 2 3 4 5
@ 300 NS ns.example.com.
ns 300 A 192.0.2.53
mail 300 A 192.0.2.5
www 300 CNAME mail
dangling 300 CNAME gone
txt 300 TXT "x"
`,
	})
	o := resolver.NewOffline(s)
	ctx := context.Background()
	ptrs := []struct {
		addr string
		want []string
		temp bool
	}{
		{"192.0.2.5", []string{"mail.example.com."}, false},
		{"192.0.2.6", nil, false},   // in a loaded zone, no PTR: NXDOMAIN
		{"198.51.100.1", nil, true}, // no loaded zone: unknown
	}
	for _, tt := range ptrs {
		got, err := o.PTR(ctx, netip.MustParseAddr(tt.addr))
		if resolver.IsTemp(err) != tt.temp || (!tt.temp && (err != nil || !slices.Equal(got, tt.want))) {
			t.Errorf("PTR(%s) = %q, %v; want %q (temp %v)", tt.addr, got, err, tt.want, tt.temp)
		}
	}
	addrs := []struct {
		name  string
		n     int
		canon string
		temp  string
	}{
		{"mail.example.com.", 1, "", ""},
		{"www.example.com", 1, "mail.example.com.", ""},
		{"nowhere.example.com.", 0, "", ""},                   // NXDOMAIN in a loaded forward zone
		{"txt.example.com.", 0, "", ""},                       // NODATA
		{"dangling.example.com.", 0, "gone.example.com.", ""}, // CNAME to NXDOMAIN
		{"9.2.0.192.in-addr.arpa.", 0, "", ""},                // a name inside a loaded reverse zone
		{"host.2.0.192.in-addr.arpa.", 0, "", ""},             // NXDOMAIN in a loaded reverse zone
		{"mail.elsewhere.test.", 0, "", "no loaded zone"},
	}
	for _, tt := range addrs {
		got, canon, err := o.AddrsCanonical(ctx, tt.name, false)
		if tt.temp != "" {
			if !resolver.IsTemp(err) || !strings.Contains(err.Error(), tt.temp) {
				t.Errorf("Addrs(%s) = %v, %v; want a TempError with %q", tt.name, got, err, tt.temp)
			}
			continue
		}
		if err != nil || len(got) != tt.n || canon != tt.canon {
			t.Errorf("Addrs(%s) = %v, %q, %v; want %d addresses, canonical %q", tt.name, got, canon, err, tt.n, tt.canon)
		}
	}
}
