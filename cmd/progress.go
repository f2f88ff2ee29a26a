package cmd

import (
	"github.com/schollz/progressbar/v3"
)

// progress is a bar on stderr, or nothing: it is drawn only when stderr is a
// terminal, and never with --quiet, --no-progress or -o json.
type progress struct {
	bar *progressbar.ProgressBar
}

func (a *App) progress(total int, what string) *progress {
	c := a.cfg
	if !a.IO.ErrTTY || c == nil || c.Quiet || c.NoProgress || c.Output == "json" {
		return &progress{}
	}
	return &progress{bar: progressbar.NewOptions(total,
		progressbar.OptionSetWriter(a.IO.ErrOut),
		progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("/s"),
		progressbar.OptionThrottle(100_000_000),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetPredictTime(true),
	)}
}

// Add implements rdns.Progress.
func (p *progress) Add(n int) {
	if p != nil && p.bar != nil {
		_ = p.bar.Add(n)
	}
}

func (p *progress) Finish() {
	if p != nil && p.bar != nil {
		_ = p.bar.Finish()
	}
}
