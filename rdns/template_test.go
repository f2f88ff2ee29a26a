package rdns

import (
	"net/netip"
	"strings"
	"testing"
)

func TestTemplateRender(t *testing.T) {
	tests := []struct {
		tmpl, ip, want string
	}{
		{"{dashed}.customers.example.net.", "198.51.100.44", "198-51-100-44.customers.example.net."},
		{"{dashed}.customers.example.net", "198.51.100.44", "198-51-100-44.customers.example.net."},
		{"host-{o4}.{o3}.{o2}.{o1}.example.net.", "198.51.100.44", "host-44.100.51.198.example.net."},
		{"{rev}.dyn.example.net.", "198.51.100.44", "44.100.51.198.dyn.example.net."},
		{"x{hex}.example.net.", "198.51.100.44", "xc633642c.example.net."},
		{"{dashed}.{prefix}.example.net.", "198.51.100.44", "198-51-100-44.zrh.example.net."},
		{"{dashed}.v6.example.net.", "2001:db8:100::25", "2001-db8-100--25.v6.example.net."},
		{"{dashed}.v6.example.net.", "::1", "0--1.v6.example.net."},
		{"{dashed}.v6.example.net.", "2001:db8::", "2001-db8--0.v6.example.net."},
		{"h{hex}.v6.example.net.", "2001:db8::1", "h20010db8000000000000000000000001.v6.example.net."},
		{"{h1}-{h2}-{h8}.example.net.", "2001:db8::1", "2001-db8-1.example.net."},
		{"{DASHED}.Example.NET.", "198.51.100.1", "198-51-100-1.example.net."},
	}
	for _, tt := range tests {
		t.Run(tt.tmpl+"/"+tt.ip, func(t *testing.T) {
			tm, err := ParseTemplate(tt.tmpl)
			if err != nil {
				t.Fatal(err)
			}
			got := tm.Render(netip.MustParseAddr(tt.ip), "zrh")
			if got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
			if err := CheckHostname(got); err != nil {
				t.Fatalf("rendered name is not a host name: %v", err)
			}
		})
	}
}

func TestTemplateErrors(t *testing.T) {
	for _, s := range []string{"", "{nope}.example.net.", "{dashed.example.net.", "dashed}.example.net."} {
		if _, err := ParseTemplate(s); err == nil {
			t.Errorf("ParseTemplate(%q) succeeded", s)
		}
	}
}

func TestTemplateGenerate(t *testing.T) {
	tests := []struct {
		tmpl, want string
		ok         bool
	}{
		{"{dashed}.customers.example.net.", "198-51-100-$.customers.example.net.", true},
		{"host-{o4}.example.net.", "host-$.example.net.", true},
		{"{rev}.dyn.example.net.", "$.100.51.198.dyn.example.net.", true},
		{"x{hex}.example.net.", "xc63364${0,2,x}.example.net.", true},
		{"{h1}.example.net.", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.tmpl, func(t *testing.T) {
			got, ok := MustTemplate(tt.tmpl).Generate(netip.MustParseAddr("198.51.100.7"), "")
			if ok != tt.ok || got != tt.want {
				t.Fatalf("got %q, %v; want %q, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	d := Defaults{
		{Prefix: netip.MustParsePrefix("198.51.100.0/24"), Template: MustTemplate("{dashed}.customers.example.net.")},
		{Prefix: netip.MustParsePrefix("198.51.100.0/26"), Template: MustTemplate("{dashed}.biz.example.net.")},
	}
	if got := d.Render(netip.MustParseAddr("198.51.100.5")); got != "198-51-100-5.biz.example.net." {
		t.Fatalf("longest match: got %q", got)
	}
	if !d.IsDefault(netip.MustParseAddr("198.51.100.5"), "198-51-100-5.customers.example.net") {
		t.Fatal("a name any covering template renders is a default")
	}
	if d.IsDefault(netip.MustParseAddr("198.51.100.5"), "mail.example.com.") {
		t.Fatal("custom name taken for a default")
	}
	if got := d.Render(netip.MustParseAddr("192.0.2.1")); got != "" {
		t.Fatalf("uncovered address rendered %q", got)
	}
}

// IsDefault's fast path agrees with Render for every placeholder, in both
// families, with literals in upper case and without a final dot.
func TestIsDefaultMatchesRender(t *testing.T) {
	templates := []string{"{dashed}.dyn.example.net.", "{dashed}.Dyn.Example.NET", "host-{o1}-{o2}-{o3}-{o4}.x.example.",
		"{hex}.pool.example.", "{rev}.rev.example.", "{prefix}-{o4}.example.", "{h1}-{h8}.v6.example.", "{dashed}.v6.example",
		"static.{o4}.example."}
	addrs := []string{"198.51.100.5", "10.0.0.0", "255.255.255.255", "2001:db8::1", "2001:db8:100::", "::"}
	for _, ts := range templates {
		tm := MustTemplate(ts)
		for _, as := range addrs {
			a := netip.MustParseAddr(as)
			p, _ := a.Unmap().Prefix(0)
			d := Defaults{{Prefix: p, Template: tm, Name: "blk"}}
			want := tm.Render(a, "blk")
			for _, name := range []string{want, strings.ToUpper(want), strings.TrimSuffix(want, "."), want + "x.", "other.example."} {
				got := d.IsDefault(a, name)
				if exp := CanonicalHostname(name) == want; got != exp {
					t.Errorf("%s at %s: IsDefault(%q) = %v, Render gives %q", ts, as, name, got, want)
				}
			}
		}
	}
}
