package zonecheck

import (
	"fmt"
	"slices"
	"strings"
)

// Severity of a finding. Only errors fail a check by default; warnings fail
// it under --strict; info never does. Off drops the code's findings.
type Severity string

const (
	Error   Severity = "error"
	Warning Severity = "warning"
	Info    Severity = "info"
	Off     Severity = "off"
)

// ParseSeverity reads error, warning, info or off.
func ParseSeverity(s string) (Severity, error) {
	switch v := Severity(strings.ToLower(strings.TrimSpace(s))); v {
	case Error, Warning, Info, Off:
		return v, nil
	}
	return "", fmt.Errorf("severity %q: want error, warning, info or off", s)
}

// Codes of findings. They are a contract (CI jobs filter on them): never
// rename one.
const (
	CodeParse           = "parse-error"
	CodeMissingSOA      = "missing-soa"
	CodeMultipleSOA     = "multiple-soa"
	CodeMissingNS       = "missing-ns"
	CodeNSNoGlue        = "ns-no-glue"
	CodeBadNSTarget     = "bad-ns-target"
	CodeMissingGlue     = "missing-glue"
	CodeCNAMEAndData    = "cname-and-other-data"
	CodeMultiCNAME      = "multiple-cname"
	CodeOutOfZone       = "out-of-zone"
	CodeNamesOwner      = "check-names-owner"
	CodeNamesTarget     = "check-names-target"
	CodeRelative        = "relative-target"
	CodeHostname        = "bad-hostname"
	CodeMultiPTR        = "multiple-ptr"
	CodeBadOwner        = "bad-owner"
	CodeGenerateOver    = "generate-overlap"
	CodeDuplicateOrigin = "duplicate-origin"
)

// CodeInfo describes one code: its default severity, whether BIND makes the
// same check (named-checkzone -i local -k fail refuses the zone exactly when
// a BIND code of severity error is found), and a line of help.
type CodeInfo struct {
	Code     string
	Severity Severity
	BIND     bool
	Help     string
}

var codes = []CodeInfo{
	{CodeParse, Error, true, "a line that does not parse, or a file that cannot be read"},
	{CodeMissingSOA, Error, true, "the apex has no SOA record"},
	{CodeMultipleSOA, Error, true, "the apex has more than one SOA record"},
	{CodeMissingNS, Error, true, "the apex has no NS record"},
	{CodeNSNoGlue, Error, true, "an NS names a host inside the zone that has no A or AAAA record"},
	{CodeBadNSTarget, Error, true, "an NS of the apex names a CNAME or a name below a DNAME"},
	{CodeMissingGlue, Warning, true, "a delegation's NS names a host inside the zone without A or AAAA, a CNAME, or a name below a DNAME"},
	{CodeCNAMEAndData, Error, true, "a CNAME beside other records at one owner"},
	{CodeMultiCNAME, Error, true, "more than one CNAME at one owner"},
	{CodeOutOfZone, Error, false, "a record outside the zone's origin (BIND drops it with a warning)"},
	{CodeNamesOwner, Error, true, "check-names: an A, AAAA or MX owner that is not a host name"},
	{CodeNamesTarget, Error, true, "check-names: a PTR (in a reverse zone), NS, MX or SOA target that is not a host name"},
	{CodeRelative, Error, false, "a PTR target written without its final dot (mail.example.com.100.51.198.in-addr.arpa.)"},
	{CodeHostname, Error, false, "a PTR target BIND accepts but no host has: an IP literal, an all-numeric last label"},
	{CodeMultiPTR, Error, false, "more than one PTR at one address (mail receivers pick one at random)"},
	{CodeBadOwner, Error, false, "a PTR owner that is not the name of an address of the zone's block"},
	{CodeGenerateOver, Error, false, "a $GENERATE range and an explicit PTR at the same owner"},
	{CodeDuplicateOrigin, Error, false, "two files claim one origin (the first is read; writes are refused)"},
}

// Codes lists every code in a stable order (BIND's checks first).
func Codes() []CodeInfo { return slices.Clone(codes) }

func codeInfo(code string) (CodeInfo, bool) {
	for _, c := range codes {
		if c.Code == code {
			return c, true
		}
	}
	return CodeInfo{}, false
}

// codeNames is the list of valid codes, for error messages.
func codeNames() string {
	names := make([]string, len(codes))
	for i, c := range codes {
		names[i] = c.Code
	}
	return strings.Join(names, ", ")
}

// Severities maps codes to the severity their findings get instead of the
// default. Off drops them.
type Severities map[string]Severity

// Set records code=severity, refusing an unknown code (the error names the
// valid ones) and any change to parse-error: a line that was not read is
// never less than an error, or records would be lost unnoticed.
func (s Severities) Set(code string, sev Severity) error {
	code = strings.ToLower(strings.TrimSpace(code))
	if _, ok := codeInfo(code); !ok {
		return fmt.Errorf("unknown check code %q (valid codes: %s)", code, codeNames())
	}
	if code == CodeParse && sev != Error {
		return fmt.Errorf("%s is always an error: the line's records were not read", CodeParse)
	}
	s[code] = sev
	return nil
}

// ParseSeverities reads code=severity pairs (the --severity flag).
func ParseSeverities(pairs []string) (Severities, error) {
	s := Severities{}
	for _, p := range pairs {
		code, sev, ok := strings.Cut(p, "=")
		if !ok {
			return nil, fmt.Errorf("%q: want CODE=SEVERITY (error, warning, info or off)", p)
		}
		v, err := ParseSeverity(sev)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", code, err)
		}
		if err := s.Set(code, v); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Of returns the severity findings of code get.
func (s Severities) Of(code string) Severity {
	if v, ok := s[code]; ok {
		return v
	}
	c, _ := codeInfo(code)
	return c.Severity
}
