package zonefile

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// hdr is the apex every case below starts from unless it says otherwise.
const hdr = "$TTL 300\n@ SOA ns h 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\n"

// hdrRecords are hdr's records in zone "test.", left out of want lists.
var hdrRecords = []string{
	"test. 300 SOA ns.test. h.test. 1 2 3 4 5",
	"test. 300 NS ns.test.",
	"ns.test. 300 A 192.0.2.1",
}

type readCase struct {
	name    string
	origin  string // default "test."
	zone    string
	want    []string // "owner ttl TYPE rdata", canonical order, hdr records left out
	wantErr string   // substring of the error; "" = no error
	noBIND  string   // why the case is not run through named-compilezone
}

// recordLines renders a zone's loaded records for comparison with want.
func recordLines(z *Zone) []string {
	var out []string
	for _, r := range z.Loaded() {
		l := fmt.Sprintf("%s %d %s %s", r.Name, r.TTL, typeString(r.Type), r.Data)
		if slices.Contains(hdrRecords, l) {
			continue
		}
		out = append(out, l)
	}
	return out
}

func runReadCases(t *testing.T, cases []readCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			origin := c.origin
			if origin == "" {
				origin = "test."
			}
			z, err := ParseBytes([]byte(c.zone), "t.zone", Options{Origin: origin})
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Errorf("error = %v, want one containing %q", err, c.wantErr)
				}
			} else if err != nil {
				t.Errorf("unexpected error: %v", err)
			}
			if z != nil {
				if got := recordLines(z); !slices.Equal(got, c.want) {
					t.Errorf("records:\n got %q\nwant %q", got, c.want)
				}
			}
			if c.noBIND != "" || !haveBIND() {
				return
			}
			// The same text through BIND: same verdict, same records.
			bind := runCompileZone(t, t.TempDir(), "", origin, []byte(c.zone), true)
			rejected := err != nil
			if rejected == bind.loaded {
				t.Fatalf("BIND loaded=%v, rdnsctl rejected=%v (rdnsctl: %v; BIND: %s)", bind.loaded, rejected, err, bind.stderr)
			}
			if bind.loaded {
				got, err := zoneRecords(z)
				if err != nil {
					t.Fatal(err)
				}
				if d := diffSets(bind.records, got); d != "" {
					t.Errorf("records differ from BIND's:\n%s", d)
				}
			}
		})
	}
}

func TestReadLexer(t *testing.T) {
	runReadCases(t, []readCase{
		{name: "plain", zone: hdr + "1 PTR a.example.\n",
			want: []string{"1.test. 300 PTR a.example."}},
		{name: "no final newline", zone: hdr + "1 PTR a.example.",
			want: []string{"1.test. 300 PTR a.example."}},
		{name: "CRLF", zone: strings.ReplaceAll(hdr+"1 PTR a.example. ; c\n\tPTR b.example.\n", "\n", "\r\n"),
			want: []string{"1.test. 300 PTR a.example.", "1.test. 300 PTR b.example."}},
		{name: "lone CR is refused", zone: hdr + "1\rPTR a.example.\n", wantErr: "carriage return"},
		{name: "comment after rdata", zone: hdr + "1 PTR a.example.;comment\n2 PTR b.example. ; x ; y\n",
			want: []string{"1.test. 300 PTR a.example.", "2.test. 300 PTR b.example."}},
		{name: "comment-only and blank lines", zone: hdr + "; c\n\n   \n\t; indented comment\n \t \n1 PTR a.example.\n",
			want: []string{"1.test. 300 PTR a.example."}},
		{name: "owner inherited after space and tab", zone: hdr + "1 PTR a.example.\n PTR b.example.\n\tPTR c.example.\n",
			want: []string{"1.test. 300 PTR a.example.", "1.test. 300 PTR b.example.", "1.test. 300 PTR c.example."}},
		{name: "parentheses across lines with comments", zone: "$TTL 300\n@ SOA ns h (\n 1 ; serial\n 2 ; refresh\n 3\n 4\n 5 )\n@ NS ns\nns A 192.0.2.1\n",
			want: nil},
		{name: "parenthesis glued to tokens", zone: "$TTL 300\n@ SOA ns h (1 2 3 4\n 5)\n@ NS (ns)\nns A 192.0.2.1\n"},
		{name: "parentheses split a token", zone: hdr + "a TXT x(y)z\n",
			want: []string{`a.test. 300 TXT "x" "y" "z"`}},
		{name: "empty parentheses", zone: hdr + "a ( ) PTR () x.\n",
			want: []string{"a.test. 300 PTR x."}},
		{name: "nested parentheses", zone: hdr + "a PTR ((x.))\n",
			want: []string{"a.test. 300 PTR x."}},
		{name: "unbalanced close", zone: hdr + "a PTR x.)\nb PTR y.\n", wantErr: "t.zone:5: unbalanced parentheses",
			want: []string{"b.test. 300 PTR y."}},
		{name: "unbalanced open to end of file", zone: hdr + "b PTR y.\na PTR ( x.\nc PTR z.\n", wantErr: "t.zone:6: unbalanced parentheses",
			want: []string{"b.test. 300 PTR y."}},
		{name: "quoted string with semicolon and escaped quote", zone: hdr + `a TXT "x;y" "say \"hi\""` + "\n",
			want: []string{`a.test. 300 TXT "x;y" "say \"hi\""`}},
		{name: "quote splits a token", zone: hdr + "a TXT a\"b\"c\n",
			want: []string{`a.test. 300 TXT "a" "b" "c"`}},
		{name: "escaped newline in quotes", zone: hdr + "a TXT \"x\\\ny\"\nb PTR q.\n",
			want: []string{`a.test. 300 TXT "x\010y"`, "b.test. 300 PTR q."}},
		{name: "raw newline in quotes", zone: hdr + "a TXT \"x\ny\"\nb PTR q.\n", wantErr: "t.zone:5: unbalanced quotes",
			want: []string{"b.test. 300 PTR q."}},
		{name: "escaped semicolon is not a comment", zone: hdr + "a TXT x\\;y\n",
			want: []string{`a.test. 300 TXT "x;y"`}},
		{name: "backslash before newline ends the token", zone: hdr + "a PTR x\\\n", wantErr: "t.zone:5:"},
		{name: "NUL byte", zone: hdr + "a PTR x.\x00y\n", wantErr: "NUL"},
		{name: "quoted owner", zone: hdr + "\"a b\" PTR x.\n",
			want: []string{`a\ b.test. 300 PTR x.`}},
		{name: "quoted PTR target refused", zone: hdr + "a PTR \"x.\"\n", wantErr: "quoted"},
	})
}

func TestReadNames(t *testing.T) {
	long63 := strings.Repeat("a", 63)
	runReadCases(t, []readCase{
		{name: "upper case folded", zone: hdr + "AbC PTR Host.EXAMPLE.\n",
			want: []string{"abc.test. 300 PTR host.example."}},
		{name: "relative target gets the origin", zone: hdr + "1 PTR mail.example.com\n",
			want: []string{"1.test. 300 PTR mail.example.com.test."}},
		{name: "at sign", zone: hdr + "a CNAME @\n",
			want: []string{"a.test. 300 CNAME test."}},
		{name: "decimal escape folded", zone: hdr + "\\065bc PTR x.\n",
			want: []string{"abc.test. 300 PTR x."}},
		{name: "escaped dot stays in the label", zone: hdr + "a\\.b PTR x\\.y.\n",
			want: []string{`a\.b.test. 300 PTR x\.y.`}},
		{name: "escaped paren", zone: hdr + "a PTR x\\(.example.\n",
			want: []string{`a.test. 300 PTR x\(.example.`}},
		{name: "escape for a byte outside ASCII", zone: hdr + "a\\200 PTR x.\n",
			want: []string{`a\200.test. 300 PTR x.`}},
		{name: "bad decimal escape", zone: hdr + "a PTR \\999.\n", wantErr: "bad escape"},
		{name: "short decimal escape", zone: hdr + "a\\12 PTR x.\n", wantErr: "bad escape"},
		{name: "63-octet label", zone: hdr + long63 + " PTR x.\n",
			want: []string{long63 + ".test. 300 PTR x."}},
		{name: "64-octet label", zone: hdr + long63 + "a PTR x.\n", wantErr: "63"},
		{name: "name over 255 octets", zone: hdr + strings.Repeat(long63+".", 4) + " PTR x.\n", wantErr: "255"},
		{name: "empty label", zone: hdr + "a..b PTR x.\n", wantErr: "empty label"},
		{name: "relative origin", zone: hdr + "$ORIGIN sub\nb PTR @\n",
			want: []string{"b.sub.test. 300 PTR sub.test."}},
		{name: "out-of-zone records are left out", zone: hdr + "$ORIGIN 2.0.192.in-addr.arpa.\n1 PTR x.\n"},
		{name: "owner inherited across $ORIGIN", zone: hdr + "b PTR x.\n$ORIGIN sub.test.\n PTR y.\n",
			want: []string{"b.test. 300 PTR x.", "b.test. 300 PTR y."}},
		{name: "no owner yet", origin: "test.", zone: "$TTL 300\n\tNS ns\n", wantErr: "no current owner name", noBIND: "no SOA"},
		{name: "wildcard NS owner", zone: hdr + "*.x NS ns\n", wantErr: "wildcard"},
	})
}

func TestReadTTLAndClass(t *testing.T) {
	runReadCases(t, []readCase{
		{name: "TTL then class", zone: hdr + "a 60 IN PTR x.\n", want: []string{"a.test. 60 PTR x."}},
		{name: "class then TTL", zone: hdr + "a IN 60 PTR x.\n", want: []string{"a.test. 60 PTR x."}},
		{name: "units", zone: hdr + "a 1h30m PTR x.\nb 1W PTR y.\nc 2d PTR z.\nd 1w2d3h4m5s PTR w.\n",
			want: []string{"a.test. 5400 PTR x.", "b.test. 604800 PTR y.", "c.test. 172800 PTR z.", "d.test. 788645 PTR w."}},
		{name: "number after a unit is not a TTL", zone: hdr + "a 1h30 PTR x.\n", wantErr: "unknown RR type '1h30'"},
		{name: "$TTL with units", zone: "$TTL 1D\n@ SOA ns h 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\n",
			want: []string{"test. 86400 NS ns.test.", "test. 86400 SOA ns.test. h.test. 1 2 3 4 5", "ns.test. 86400 A 192.0.2.1"}},
		{name: "bare $TTL", zone: "$TTL\n" + hdr, wantErr: "t.zone:1: $TTL: unexpected end of line"},
		{name: "$TTL above 2^31-1 is 0", zone: "$TTL 4294967295\n@ SOA ns h 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\n",
			want: []string{"test. 0 NS ns.test.", "test. 0 SOA ns.test. h.test. 1 2 3 4 5", "ns.test. 0 A 192.0.2.1"}},
		{name: "RFC 1035 last explicit TTL", zone: "@ 10 SOA ns h 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\na 20 PTR x.\nb PTR y.\n$TTL 30\nc PTR z.\nd 40 PTR w.\ne PTR v.\n",
			want: []string{"test. 10 NS ns.test.", "test. 10 SOA ns.test. h.test. 1 2 3 4 5", "a.test. 20 PTR x.", "b.test. 20 PTR y.", "c.test. 30 PTR z.", "d.test. 40 PTR w.", "e.test. 30 PTR v.", "ns.test. 10 A 192.0.2.1"}},
		{name: "SOA minimum when nothing else", zone: "@ SOA ns h 1 2 3 4 7\n@ NS ns\nns A 192.0.2.1\na 20 PTR x.\nb PTR y.\n",
			want: []string{"test. 7 NS ns.test.", "test. 7 SOA ns.test. h.test. 1 2 3 4 7", "a.test. 20 PTR x.", "b.test. 7 PTR y.", "ns.test. 7 A 192.0.2.1"}},
		{name: "no TTL at all", zone: "a PTR x.\n@ 1 SOA ns h 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\n", wantErr: "t.zone:1: no TTL specified",
			want: []string{"test. 1 NS ns.test.", "test. 1 SOA ns.test. h.test. 1 2 3 4 5", "ns.test. 1 A 192.0.2.1"}},
		{name: "RRset TTL: first of a run, last run wins", zone: hdr + "a 50 PTR x.\nb 200 PTR y.\na 300 PTR z.\n\tPTR w.\nc 60 PTR c1.\nc 30 PTR c2.\n",
			want: []string{"a.test. 300 PTR w.", "a.test. 300 PTR x.", "a.test. 300 PTR z.", "b.test. 200 PTR y.", "c.test. 60 PTR c1.", "c.test. 60 PTR c2."}},
		{name: "duplicate records collapse", zone: hdr + "a PTR x.\na PTR X.\n",
			want: []string{"a.test. 300 PTR x."}},
		{name: "class CH refused", zone: hdr + "a CH TXT x\n", wantErr: "class 'CH' != zone class 'IN'"},
		{name: "class ANY refused", zone: hdr + "a ANY PTR x.\n", wantErr: "class 'ANY'"},
		{name: "CLASS1 is IN", zone: hdr + "a CLASS1 PTR x.\n", want: []string{"a.test. 300 PTR x."}},
		{name: "lower-case class and type", zone: hdr + "a in ptr x.\n", want: []string{"a.test. 300 PTR x."}},
		{name: "missing type", zone: hdr + "a 300 IN\n", wantErr: "unexpected end of line"},
		{name: "unknown type", zone: hdr + "a FOO x\n", wantErr: "unknown RR type 'FOO'"},
		{name: "meta type", zone: hdr + "a ANY x\n", wantErr: "t.zone:5:"},
		{name: "obsolete type", zone: hdr + "a MD x.\n", wantErr: "obsolete"},
	})
}

func TestReadRDATA(t *testing.T) {
	runReadCases(t, []readCase{
		{name: "PTR extra token", zone: hdr + "a PTR x. y.\n", wantErr: "extra input text"},
		{name: "PTR missing target", zone: hdr + "a PTR\n", wantErr: "unexpected end"},
		{name: "generic RDATA for a PTR", zone: hdr + "a PTR \\# 3 01 78 00\n", want: []string{"a.test. 300 PTR x."}},
		{name: "TYPE12 is PTR", zone: hdr + "a TYPE12 x.\n", want: []string{"a.test. 300 PTR x."}},
		{name: "unknown type number", zone: hdr + "a TYPE65280 \\# 2 abcd\n", want: []string{`a.test. 300 TYPE65280 \# 2 abcd`}},
		{name: "MX names folded and made absolute", zone: hdr + "@ MX 10 Mail\n", want: []string{"test. 300 MX 10 mail.test."}},
		{name: "SOA names folded", origin: "2.0.192.in-addr.arpa.", zone: "$TTL 60\n@ SOA NS1.Example. HostMaster (1 2 3 4 5)\n@ NS ns1.example.\n",
			want: []string{"2.0.192.in-addr.arpa. 60 NS ns1.example.", "2.0.192.in-addr.arpa. 60 SOA ns1.example. hostmaster.2.0.192.in-addr.arpa. 1 2 3 4 5"}},
		{name: "SOA timers with units", zone: "$TTL 60\n@ SOA ns h 1 1h 30m 1w 1d\n@ NS ns\nns A 192.0.2.1\n",
			want: []string{"test. 60 NS ns.test.", "test. 60 SOA ns.test. h.test. 1 3600 1800 604800 86400", "ns.test. 60 A 192.0.2.1"}},
		{name: "SOA serial with a leading zero is decimal", zone: "$TTL 60\n@ SOA ns h 00090000 1 2 3 4\n@ NS ns\nns A 192.0.2.1\n",
			want: []string{"test. 60 NS ns.test.", "test. 60 SOA ns.test. h.test. 90000 1 2 3 4", "ns.test. 60 A 192.0.2.1"}},
		{name: "SOA not at the apex", zone: hdr + "a SOA ns h 1 2 3 4 5\n", wantErr: "SOA record not at top of zone"},
		{name: "bad A", zone: hdr + "a A 1.2.3\n", wantErr: "t.zone:5:"},
		{name: "A with extra text", zone: hdr + "a A 192.0.2.1 x\n", wantErr: "t.zone:5:"},
		{name: "AAAA", zone: hdr + "a AAAA 2001:DB8::1\n", want: []string{"a.test. 300 AAAA 2001:db8::1"}},
		{name: "TXT decimal escapes", zone: hdr + `a TXT "\065\\"` + "\n", want: []string{`a.test. 300 TXT "A\\"`}},
		{name: "DS at the apex", zone: hdr + "@ DS 1 8 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n", wantErr: "DS record at top of zone"},
		{name: "every bad entry is reported", zone: hdr + "a PTR\nb FOO x\nc PTR ok.\nd A x\n", wantErr: "t.zone:5:",
			want: []string{"c.test. 300 PTR ok."}},
	})
}

func TestParseErrorsAreListed(t *testing.T) {
	z, err := ParseBytes([]byte(hdr+"a PTR\nb FOO x\nc PTR ok.\nd A x\n"), "z.db", Options{Origin: "test"})
	if z == nil {
		t.Fatal("nil zone")
	}
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("error %T is not an ErrorList", err)
	}
	var lines []int
	for _, e := range list {
		if e.File != "z.db" {
			t.Errorf("file = %q", e.File)
		}
		lines = append(lines, e.Line)
	}
	if !slices.Equal(lines, []int{5, 6, 8}) {
		t.Errorf("error lines = %v, want [5 6 8]", lines)
	}
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Line != 5 {
		t.Errorf("errors.As(*ParseError) = %v", pe)
	}
	if got := list[0].Error(); !strings.HasPrefix(got, "z.db:5: ") {
		t.Errorf("Error() = %q", got)
	}
}

func TestReadRecordPlaces(t *testing.T) {
	src := "$ORIGIN 100.51.198.in-addr.arpa.\n$TTL 1h\n@ SOA ns1.example. h.example. (\n 1 2 3 4 5 )\n  NS ns1.example.\n\n; hosts\n1 PTR a.example.\n\tPTR b.example.\n$GENERATE 2-3 $ PTR h$.example.\n"
	z, err := ParseBytes([]byte(src), "db.198.51.100", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if z.Origin != "100.51.198.in-addr.arpa." {
		t.Fatalf("origin %q", z.Origin)
	}
	f := z.Files[0]
	type place struct {
		line, entry, iter int32
		text              string
	}
	var got []place
	for _, r := range z.Records {
		e := f.Entries[r.Entry]
		got = append(got, place{r.Line, r.Entry, r.Iter, string(f.Data[e.Start:e.End])})
	}
	want := []place{
		{3, 2, -1, "@ SOA ns1.example. h.example. (\n 1 2 3 4 5 )\n"},
		{5, 3, -1, "  NS ns1.example.\n"},
		{8, 4, -1, "1 PTR a.example.\n"},
		{9, 5, -1, "\tPTR b.example.\n"},
		{10, 6, 2, "$GENERATE 2-3 $ PTR h$.example.\n"},
		{10, 6, 3, "$GENERATE 2-3 $ PTR h$.example.\n"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("places:\n got %v\nwant %v", got, want)
	}
	kinds := []EntryKind{EntryOrigin, EntryTTL, EntryRecord, EntryRecord, EntryRecord, EntryRecord, EntryGenerate}
	for i, e := range f.Entries {
		if e.Kind != kinds[i] {
			t.Errorf("entry %d kind %d, want %d", i, e.Kind, kinds[i])
		}
	}
	if e := f.Entries[2]; e.Line != 3 || e.EndLine != 4 {
		t.Errorf("SOA entry lines %d-%d", e.Line, e.EndLine)
	}
	if !f.Entries[5].Inherit || f.Entries[4].Inherit {
		t.Errorf("Inherit flags wrong")
	}
}

func TestReadOrigin(t *testing.T) {
	cases := []struct {
		name, src, origin, want, wantErr string
	}{
		{"given", "@ 1 SOA a. b. 1 2 3 4 5\n", "Example.COM", "example.com.", ""},
		{"first $ORIGIN", "; c\n$TTL 1\n$ORIGIN 2.0.192.IN-ADDR.ARPA.\n@ SOA a. b. 1 2 3 4 5\n", "", "2.0.192.in-addr.arpa.", ""},
		{"absolute SOA owner", "$TTL 1\n130.10.in-addr.arpa. SOA a. b. 1 2 3 4 5\n1.0 PTR x.\n", "", "130.10.in-addr.arpa.", ""},
		{"relative SOA owner after $ORIGIN", "$TTL 1\na. 1 A 192.0.2.1\n$ORIGIN x.\n@ SOA a. b. 1 2 3 4 5\n", "", "x.", ""},
		{"nothing", "$TTL 1\n@ SOA a. b. 1 2 3 4 5\n", "", "", "no origin"},
		{"relative $ORIGIN only", "$ORIGIN foo\n", "", "", "no origin"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			z, err := ParseBytes([]byte(c.src), "f", Options{Origin: c.origin})
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) || z != nil {
					t.Fatalf("got %v, %v; want nil zone and error %q", z, err, c.wantErr)
				}
				if !errors.Is(err, ErrNoOrigin) {
					t.Errorf("error does not wrap ErrNoOrigin")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if z.Origin != c.want {
				t.Errorf("origin %q, want %q", z.Origin, c.want)
			}
		})
	}
}

func TestInclude(t *testing.T) {
	fsys := fstest.MapFS{
		"zones/main.db":        {Data: []byte("$ORIGIN 2.0.192.in-addr.arpa.\n$TTL 60\n@ SOA ns.example. h.example. 1 2 3 4 5\n@ NS ns.example.\n1 PTR a.example.\n$INCLUDE sub/part.db\n\tPTR after.example.\n$INCLUDE sub/other.db 3.2.0.192.in-addr.arpa.\n2 PTR b.example.\n")},
		"zones/sub/part.db":    {Data: []byte("\tPTR inherited.example.\n$ORIGIN 9.2.0.192.in-addr.arpa.\n$TTL 120\n@ PTR nine.example.\n")},
		"zones/sub/other.db":   {Data: []byte("@ PTR three.example.\n$INCLUDE deeper.db\n")},
		"zones/sub/deeper.db":  {Data: []byte("4 PTR four.example.\n")},
		"zones/escape.db":      {Data: []byte("$TTL 1\n@ SOA a. b. 1 2 3 4 5\n$INCLUDE ../../etc/passwd\n")},
		"zones/loop.db":        {Data: []byte("$TTL 1\n@ SOA a. b. 1 2 3 4 5\n$INCLUDE loop.db\n")},
		"zones/dir.db":         {Data: []byte("$TTL 1\n@ SOA a. b. 1 2 3 4 5\n$INCLUDE sub\n")},
		"zones/abs.db":         {Data: []byte("$TTL 1\n@ SOA a. b. 1 2 3 4 5\n$INCLUDE /etc/passwd\n")},
		"zones/rootrel.db":     {Data: []byte("$TTL 1\n@ SOA a. b. 1 2 3 4 5\n$INCLUDE zones/sub/deeper.db\n")},
		"zones/sub/nested.db":  {Data: []byte("$TTL 1\n@ SOA a. b. 1 2 3 4 5\n$INCLUDE zones/sub/deeper.db\n")},
		"zones/sub/missing.db": {Data: []byte("$TTL 1\n@ SOA a. b. 1 2 3 4 5\n$INCLUDE nothere.db\n")},
	}
	parse := func(name, origin string) (*Zone, error) {
		data := fsys[name].Data
		dir := name[:strings.LastIndexByte(name, '/')]
		return ParseBytes(data, name, Options{Origin: origin, FS: fsys, Dir: dir})
	}
	z, err := parse("zones/main.db", "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range z.Records {
		if r.Type == 12 {
			got = append(got, fmt.Sprintf("%s %d %s %s:%d", r.Name, r.TTL, r.Data, z.Files[r.File].Path, r.Line))
		}
	}
	want := []string{
		"1.2.0.192.in-addr.arpa. 60 a.example. zones/main.db:5",
		"1.2.0.192.in-addr.arpa. 60 inherited.example. zones/sub/part.db:1",
		"9.2.0.192.in-addr.arpa. 120 nine.example. zones/sub/part.db:4",
		// the owner before the include, the origin of the including file,
		// and the $TTL the include set (BIND's TTL state spans includes)
		"1.2.0.192.in-addr.arpa. 120 after.example. zones/main.db:7",
		"3.2.0.192.in-addr.arpa. 120 three.example. zones/sub/other.db:1",
		"4.3.2.0.192.in-addr.arpa. 120 four.example. zones/sub/deeper.db:1",
		"2.2.0.192.in-addr.arpa. 120 b.example. zones/main.db:9",
	}
	if !slices.Equal(got, want) {
		t.Errorf("records:\n got %q\nwant %q", got, want)
	}
	if len(z.Files) != 4 {
		t.Errorf("%d files", len(z.Files))
	}
	for _, c := range []struct{ file, wantErr string }{
		{"zones/escape.db", "leaves the zones directory"},
		{"zones/loop.db", "include loop"},
		{"zones/dir.db", "not a file"},
		{"zones/abs.db", "absolute"},
		{"zones/sub/missing.db", "file not found"},
	} {
		t.Run(c.file, func(t *testing.T) {
			_, err := parse(c.file, "x.")
			if err == nil || !strings.Contains(err.Error(), c.wantErr) || !strings.Contains(err.Error(), c.file+":3:") {
				t.Errorf("error %v, want %q at line 3", err, c.wantErr)
			}
		})
	}
	// A path not found beside the including file is taken from the root,
	// where BIND looks.
	for _, name := range []string{"zones/rootrel.db", "zones/sub/nested.db"} {
		if z, err := parse(name, "x."); err != nil || len(z.Files) != 2 {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := ParseBytes([]byte("$TTL 1\n@ SOA a. b. 1 2 3 4 5\n$INCLUDE x.db\n"), "n.db", Options{Origin: "x."}); err == nil || !strings.Contains(err.Error(), "not allowed") {
		t.Errorf("no FS: %v", err)
	}
}
