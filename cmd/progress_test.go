package cmd

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// The bar's rate reads "N files/s", never "/s/s"; it is drawn only on a
// terminal and never with --quiet, --no-progress or -o json.
func TestProgressRate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		tty  bool
		draw bool
	}{
		{"terminal", Config{Output: "table"}, true, true},
		{"piped", Config{Output: "table"}, false, false},
		{"quiet", Config{Output: "table", Quiet: true}, true, false},
		{"no-progress", Config{Output: "table", NoProgress: true}, true, false},
		{"json", Config{Output: "json"}, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e bytes.Buffer
			cfg := tt.cfg
			a := &App{IO: &IOStreams{ErrOut: &e, ErrTTY: tt.tty}, cfg: &cfg}
			for _, what := range []string{"loading zones", "fcrdns", "writing", "something new"} {
				bar := a.progress(1000, what)
				for i := 0; i < 10; i++ {
					bar.Add(50)
					time.Sleep(15 * time.Millisecond)
				}
				bar.Finish()
			}
			out := e.String()
			if !tt.draw {
				if out != "" {
					t.Fatalf("drew a bar: %q", out)
				}
				return
			}
			if strings.Contains(out, "/s/s") || !strings.Contains(out, "files/s") || !strings.Contains(out, "addresses/s") || !strings.Contains(out, "items/s") {
				t.Errorf("rate not as N unit/s: %q", out)
			}
		})
	}
}
