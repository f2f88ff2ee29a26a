package cmd

import (
	"errors"
	"fmt"

	"github.com/rdnsctl/rdnsctl/apply"
)

// Exit codes, decided here and nowhere else.
const (
	ExitOK          = 0   // clean, or nothing to change
	ExitFindings    = 1   // findings (audit, fcrdns, zone check, diff with errors, --expect-no-changes)
	ExitUsage       = 2   // bad usage, unreadable input, or a run that could not complete
	ExitInterrupted = 130 // interrupted (Ctrl-C)
)

const exitStatusHelp = `
EXIT STATUS
  0    clean: no findings, or nothing to change
  1    findings: problems found (or a plan that is not empty with --expect-no-changes)
  2    bad usage, unreadable input, or a run that could not complete
  130  interrupted`

// usageError marks a bad invocation or unreadable input (exit 2).
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usageErrorf(format string, a ...any) error {
	return &usageError{fmt.Errorf(format, a...)}
}

// inputError wraps an error reading input: it exits 2.
func inputError(err error) error {
	if err == nil {
		return nil
	}
	return &usageError{err}
}

// errFindings is returned by a command that ran to the end and found
// something the user asked to fail on (exit 1). Its report is already printed.
var errFindings = errors.New("findings")

// errSilent carries an exit code for an error already reported.
type errSilent struct{ code int }

func (e errSilent) Error() string { return fmt.Sprintf("exit %d", e.code) }

func exitCode(err error) int {
	var se errSilent
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, errFindings):
		return ExitFindings
	case errors.As(err, &se):
		return se.code
	case errors.Is(err, errInterrupted), errors.Is(err, apply.ErrInterrupted):
		// only ever before a commit point: a write that committed exits
		// with its own status
		return ExitInterrupted
	}
	return ExitUsage
}

var errInterrupted = errors.New("interrupted")
