package ipam

import (
	"fmt"
	"io"
	"strings"
	"testing"
)

// Issue 9.2: a field that starts with a quote must never swallow the rows
// after it. With LazyQuotes the NetBox description `"HQ" uplink` ran on to
// the next quote, rows later, and those customers vanished silently (even
// with --strict); audit --fix then reset their PTRs as stale.
func TestQuotesNeverHideRows(t *testing.T) {
	const head = "address,vrf,tenant,status,role,dns_name,description\n"
	rows := func(from, to int) string {
		var b strings.Builder
		for i := from; i <= to; i++ {
			fmt.Fprintf(&b, "198.51.100.%d/24,,cust-%d,active,,host%d.example.net,\n", i, i, i)
		}
		return b.String()
	}
	tests := []struct {
		name     string
		in       string
		records  int      // rows read
		problems []string // "LINE: text" of each problem, in order
		errors   bool     // HasErrors
	}{
		{
			name:     "a description that starts with a quote",
			in:       head + rows(1, 2) + "198.51.100.3/24,,hq,active,,hq.example.net,\"HQ\" uplink\n" + rows(4, 9),
			records:  8,
			problems: []string{`4: column 47: extraneous or missing " in quoted-field; row skipped`},
			errors:   true,
		},
		{
			name:    "the same, at the end of the file without a newline",
			in:      head + rows(1, 3) + "198.51.100.4/24,,hq,active,,hq.example.net,\"HQ\" uplink",
			records: 3, problems: []string{`5: column 47: extraneous or missing " in quoted-field; row skipped`}, errors: true,
		},
		{
			name:    "a bare quote inside a field",
			in:      head + rows(1, 2) + "198.51.100.3/24,,hq,active,,hq.example.net,19\" rack\n" + rows(4, 5),
			records: 4, problems: []string{`4: column 46: bare " in non-quoted-field; row skipped`}, errors: true,
		},
		{
			name:     "a quote never closed runs to the end: the lines are named",
			in:       head + rows(1, 2) + "198.51.100.3/24,,hq,active,,hq.example.net,\"HQ uplink\n" + rows(4, 6),
			records:  2,
			problems: []string{`4: line 7, column 52: extraneous or missing " in quoted-field: the quoted field that starts on line 4 runs to line 7; lines 4-7 skipped; row skipped`},
			errors:   true,
		},
		{
			name: "a quote closed rows later: the rows inside are named",
			in: head + rows(1, 2) + "198.51.100.3/24,,hq,active,,hq.example.net,\"HQ uplink\n" + rows(4, 5) +
				"198.51.100.6/24,,c6,active,,h6.example.net,end\"\n" + rows(7, 8),
			records: 5,
			problems: []string{
				`4: one row spans lines 4-7: a quoted field holds line breaks, and line 5 inside it looks like a row of its own (an unbalanced quote?); it is not read as a row`,
			},
			errors: true,
		},
		{
			name:    "a description of several lines is fine",
			in:      head + rows(1, 2) + "198.51.100.3/24,,hq,active,,hq.example.net,\"HQ uplink\nsecond floor\"\n" + rows(4, 5),
			records: 5,
		},
		{
			name:    "blank lines are not rows, and not lost ones",
			in:      head + "\n" + rows(1, 2) + "\r\n\n" + rows(3, 3) + "198.51.100.9/24,,x,active,,x.example.net,\"a\n\nb\"\n",
			records: 4,
		},
		{
			name:    "doubled quotes are a quote",
			in:      head + "198.51.100.3/24,,hq,active,,hq.example.net,\"the \"\"HQ\"\" uplink\"\n" + rows(4, 5),
			records: 3,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, format := range []Format{FormatNetBox, FormatAuto} {
				exp, err := Read(strings.NewReader(tt.in), "netbox.csv", Options{Format: format})
				if err != nil {
					t.Fatal(err)
				}
				if len(exp.Records) != tt.records {
					t.Errorf("%s: %d records, want %d: %v", format, len(exp.Records), tt.records, exp.Problems)
				}
				var got []string
				for _, p := range exp.Problems {
					got = append(got, fmt.Sprintf("%d: %s", p.Line, p.Msg))
				}
				if strings.Join(got, "\n") != strings.Join(tt.problems, "\n") {
					t.Errorf("%s: problems\n%s\nwant\n%s", format, strings.Join(got, "\n"), strings.Join(tt.problems, "\n"))
				}
				if exp.HasErrors() != tt.errors {
					t.Errorf("%s: HasErrors = %v, want %v", format, exp.HasErrors(), tt.errors)
				}
				// every line is a row, a reported problem or blank
				if exp.Lines != strings.Count(tt.in, "\n")+boolInt(!strings.HasSuffix(tt.in, "\n")) {
					t.Errorf("%s: Lines = %d", format, exp.Lines)
				}
			}
			// --strict: the first error is fatal and names its line
			_, err := Read(strings.NewReader(tt.in), "netbox.csv", Options{Format: FormatNetBox, Strict: true})
			switch {
			case tt.errors && err == nil:
				t.Error("strict: no error")
			case tt.errors && !strings.HasPrefix(err.Error(), "netbox.csv:"+strings.SplitN(tt.problems[0], ":", 2)[0]+":"):
				t.Errorf("strict: %v, want the line of %q", err, tt.problems[0])
			case !tt.errors && err != nil:
				t.Errorf("strict: %v", err)
			}
		})
	}
}

// The line count is a net under the quoting rules: an input whose lines
// the rows do not account for is an error even when each row parsed.
func TestLineCounter(t *testing.T) {
	tests := []struct {
		in           string
		lines, blank int
	}{
		{"", 0, 0},
		{"a", 1, 0},
		{"a\n", 1, 0},
		{"a\n\nb", 3, 1},
		{"a\r\n\r\nb\r\n", 3, 1},
		{"\n\n\n", 3, 3},
		{"a\n \nb\n", 3, 0},
		{"\r\n", 1, 1},
	}
	for _, tt := range tests {
		// every split of the input into reads gives the same counts
		for chunk := 1; chunk <= len(tt.in)+1; chunk++ {
			lc := &lineCounter{r: &chunked{s: tt.in, n: chunk}}
			buf := make([]byte, 64)
			for {
				if _, err := lc.Read(buf); err != nil {
					break
				}
			}
			lines := lc.lines
			if lc.cur > 0 {
				lines++
			}
			if lines != tt.lines || lc.blank != tt.blank {
				t.Errorf("%q in reads of %d: lines %d blank %d, want %d %d", tt.in, chunk, lines, lc.blank, tt.lines, tt.blank)
			}
		}
	}
}

type chunked struct {
	s string
	n int
}

func (c *chunked) Read(p []byte) (int, error) {
	if c.s == "" {
		return 0, io.EOF
	}
	n := min(c.n, len(p), len(c.s))
	copy(p, c.s[:n])
	c.s = c.s[n:]
	return n, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// A hostile export with a line of megabytes is refused at that line,
// before the line is held in memory.
func TestReadLineTooLong(t *testing.T) {
	long := strings.Repeat("x", MaxLineBytes+1)
	for _, in := range []string{
		"address,hostname\n192.0.2.1,a.example.net\n192.0.2.2," + long + "\n192.0.2.3,c.example.net\n",
		"address,hostname\n192.0.2.1,a.example.net\n" + long,
		long + "\n",
		"address,hostname\n192.0.2.1,\"" + long + "\"\n",
	} {
		for _, strict := range []bool{false, true} {
			_, err := Read(strings.NewReader(in), "big.csv", Options{Strict: strict})
			want := fmt.Sprintf("big.csv:%d: line too long (limit %d bytes)", strings.Count(in[:strings.Index(in, "xxxx")], "\n")+1, MaxLineBytes)
			if err == nil || err.Error() != want {
				t.Errorf("err = %.200v, want %q", err, want)
			}
		}
	}
	// a line at the limit is read
	ok := "address,hostname,description\n192.0.2.1,a.example.net," + strings.Repeat("d", MaxLineBytes-len("192.0.2.1,a.example.net,")) + "\n"
	exp, err := Read(strings.NewReader(ok), "ok.csv", Options{})
	if err != nil || len(exp.Records) != 1 {
		t.Errorf("a line at the limit: %v", err)
	}
}

// Problems quote at most 80 bytes of an offending field.
func TestProblemsClipFields(t *testing.T) {
	long := strings.Repeat("q", 5000)
	in := "address,hostname,status,prefix\n" +
		"192.0.2.1," + long + "_x.example.net,active,\n" +
		"192.0.2.2,,active-" + long + ",\n" +
		long + ",,,\n" +
		"192.0.2.4,,," + long + "/24\n"
	exp, err := Read(strings.NewReader(in), "x.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(exp.Problems) != 4 {
		t.Fatalf("problems: %d", len(exp.Problems))
	}
	for _, p := range exp.Problems {
		if len(p.Error()) > 300 || !strings.Contains(p.Error(), "…") {
			t.Errorf("problem of %d bytes: %.300s", len(p.Error()), p.Error())
		}
	}
}
