package journal

import (
	"encoding/json"
	"errors"
	"net/netip"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestAppendAndRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.jsonl")
	j, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	must(t, j.Append([]Entry{
		{Time: t0, Operator: "alice", Action: "add", IP: "198.51.100.44", New: "a.example."},
		{Time: t0.Add(time.Hour), Operator: "bob", Action: "replace", IP: "198.51.100.45", Old: "x.", New: "y."},
	}))
	must(t, j.Close())
	// a torn last line, as a crash would leave it
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"time":"2026-11-01T12:00:00Z","oper`)
	f.Close()
	j, _ = Open(path)
	must(t, j.Append([]Entry{{Time: t0.Add(3 * time.Hour), Operator: "carol", Action: "delete", IP: "2001:db8::1", Old: "z."}}))
	j.Close()

	tests := []struct {
		name    string
		f       Filter
		want    []string
		skipped int
	}{
		{"all", Filter{}, []string{"alice", "bob", "carol"}, 1},
		{"one address", Filter{Prefix: netip.MustParsePrefix("198.51.100.45/32")}, []string{"bob"}, 1},
		{"since", Filter{Since: t0.Add(30 * time.Minute)}, []string{"bob", "carol"}, 1},
		{"v6 block", Filter{Prefix: netip.MustParsePrefix("2001:db8::/32")}, []string{"carol"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, skipped, err := ReadFile(path, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			var ops []string
			for _, e := range got {
				ops = append(ops, e.Operator)
			}
			if strings.Join(ops, ",") != strings.Join(tt.want, ",") || skipped != tt.skipped {
				t.Fatalf("got %v (skipped %d), want %v (skipped %d)", ops, skipped, tt.want, tt.skipped)
			}
		})
	}
	data, _ := os.ReadFile(path)
	for i, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		if i != 2 && !strings.HasSuffix(line, "}") {
			t.Errorf("line %d is torn: %q", i+1, line)
		}
	}
}

func TestLockTimeoutNamesHolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".lock")
	l, err := Acquire(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Acquire(path, 150*time.Millisecond)
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "pid "+itoa(os.Getpid())) {
		t.Fatalf("second Acquire = %v, want ErrLocked naming pid %d", err, os.Getpid())
	}
	must(t, l.Release())
	l2, err := Acquire(path, time.Second)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	l2.Release()
}

func TestOperator(t *testing.T) {
	t.Setenv("SUDO_USER", "")
	t.Setenv("USER", "dave")
	if got := Operator(""); got != "dave" {
		t.Fatalf("Operator = %q", got)
	}
	if got := Operator("noc-bot"); got != "noc-bot" {
		t.Fatalf("Operator(flag) = %q", got)
	}
	t.Setenv("SUDO_USER", "erin")
	if got := Operator(""); got != "erin" {
		t.Fatalf("Operator with SUDO_USER = %q", got)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// The hand-written encoding is what encoding/json reads back, field for field.
func TestAppendJSONRoundTrip(t *testing.T) {
	tests := []Entry{
		{Time: time.Date(2026, 11, 25, 9, 0, 0, 123, time.UTC), Operator: "alice", Command: `rdnsctl set "x" y`, Action: "add",
			Zone: "100.51.198.in-addr.arpa.", File: "zones/db", Name: "5.100.51.198.in-addr.arpa.", IP: "198.51.100.5", Type: "PTR", New: "a.example."},
		{Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600)), Operator: "b\\ob\n\t\x01", Ticket: "T-1", Customer: "Zürich AG \u2028", Reason: "bad \xff byte"},
	}
	for i, e := range tests {
		line := e.appendJSON(nil, []byte(e.Time.UTC().Format(time.RFC3339Nano)))
		var back Entry
		if err := json.Unmarshal(line, &back); err != nil {
			t.Fatalf("%d: %v\n%s", i, err, line)
		}
		want := e
		want.Time = e.Time.UTC()
		want.Reason = strings.ToValidUTF8(want.Reason, "\uFFFD")
		if back != want {
			t.Errorf("%d: round trip\n%+v\nwant\n%+v", i, back, want)
		}
		std, _ := json.Marshal(want)
		if utf8.ValidString(e.Reason) && strings.TrimSpace(string(line)) != string(std) {
			t.Errorf("%d: differs from encoding/json:\n%s\n%s", i, line, std)
		}
	}
}

// Without --operator or any of the variables, the operator is the system's
// name for the user, never "unknown".
func TestOperatorFallback(t *testing.T) {
	u, err := user.Current()
	if err != nil || u.Username == "" {
		t.Skipf("the system does not name this user: %v", err)
	}
	tests := []struct {
		name            string
		flag, sudo, usr string
		logname, want   string
	}{
		{"flag first", "alice", "bob", "carol", "dave", "alice"},
		{"sudo user", "", "bob", "carol", "dave", "bob"},
		{"user", "", "", "carol", "dave", "carol"},
		{"logname", "", "", "", "dave", "dave"},
		{"system", "", "", "", "", u.Username},
		{"blank flag", "  ", "", "", "", u.Username},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("SUDO_USER", tt.sudo)
			t.Setenv("USER", tt.usr)
			t.Setenv("LOGNAME", tt.logname)
			if got := Operator(tt.flag); got != tt.want {
				t.Errorf("Operator(%q) = %q, want %q", tt.flag, got, tt.want)
			}
		})
	}
}
