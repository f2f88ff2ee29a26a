package cmd

import (
	"io"
	"os"

	"golang.org/x/term"
)

// IOStreams is where a command reads and writes: data to Out, progress,
// warnings and summaries to ErrOut. Tests hand in buffers.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
	// OutTTY and ErrTTY say whether Out and ErrOut are terminals: tables
	// are aligned on a terminal and tab-separated when piped; progress bars
	// are drawn only on a terminal.
	OutTTY, ErrTTY bool
}

// System returns the process's own streams.
func System() *IOStreams {
	return &IOStreams{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		OutTTY: term.IsTerminal(int(os.Stdout.Fd())),
		ErrTTY: term.IsTerminal(int(os.Stderr.Fd())),
	}
}
