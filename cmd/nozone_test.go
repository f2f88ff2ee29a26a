package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rdnsctl/rdnsctl/internal/dnstest"
)

// set and provision never create zones: an address outside every loaded
// zone is exit 2 with a clear message, and no file appears (block-init
// creates zones, when asked).
func TestLifecycleNeverCreatesZones(t *testing.T) {
	fwd := dnstest.NewServer(t, dnstest.Handler(t, "mail.customer.example. 300 IN A 10.9.9.5",
		"mail.customer.example. 300 IN AAAA 2001:db8:300::5"))
	for _, tt := range []struct {
		name string
		args []string
	}{
		{"set, no zone, no default", []string{"set", "10.9.8.5", "mail.customer.example", "--no-validate"}},
		{"set, no zone, a default", []string{"set", "10.9.9.5", "mail.customer.example"}},
		{"set v6, no zone", []string{"set", "2001:db8:300::5", "mail.customer.example"}},
		{"provision, no zone, a default", []string{"provision", "10.9.9.5", "--customer", "C-1"}},
		{"provision block, no zone, a default", []string{"provision", "10.9.9.0/30", "--customer", "C-1"}},
		{"provision with hostname, no zone", []string{"provision", "10.9.9.5", "--customer", "C-1", "--hostname", "mail.customer.example"}},
		{"apply-events", []string{"apply-events", "-"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyExamples(t)
			cfg := filepath.Join(dir, "rdnsctl.yaml")
			b, _ := os.ReadFile(cfg)
			conf := strings.Replace(string(b), "defaults:\n", "defaults:\n  - prefix: 10.9.9.0/24\n    template: \"{dashed}.dyn.example.net.\"\n", 1)
			if err := os.WriteFile(cfg, []byte(conf), 0o644); err != nil {
				t.Fatal(err)
			}
			before := lcZoneSnapshot(t, dir)
			args := append(tt.args, "--config", cfg, "--write", "--resolver", fwd)
			r := run(t, "", `{"event":"provision","ip":"10.9.9.7","customer":"C-2"}`+"\n", args...)
			if r.code != 2 || !strings.Contains(r.err, "no loaded zone covers it") || !strings.Contains(r.err, "never create zones") {
				t.Errorf("exit %d, want 2 with a message naming the cause; stderr:\n%s", r.code, r.err)
			}
			lcSameFiles(t, tt.name, before, lcZoneSnapshot(t, dir))
			if after := lcZoneSnapshot(t, dir); len(after) != len(before) {
				t.Errorf("%d files after, %d before", len(after), len(before))
			}
		})
	}
}
