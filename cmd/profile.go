package cmd

import (
	"os"
	"runtime"
	"runtime/pprof"
)

// startProfiles starts --cpuprofile (hidden flags, for measuring).
func (a *App) startProfiles() error {
	if a.cpuProfile == "" {
		return nil
	}
	f, err := os.Create(a.cpuProfile)
	if err != nil {
		return err
	}
	return pprof.StartCPUProfile(f)
}

// stopProfiles ends the CPU profile and writes --memprofile.
func (a *App) stopProfiles() {
	if a.cpuProfile != "" {
		pprof.StopCPUProfile()
	}
	if a.memProfile != "" {
		if f, err := os.Create(a.memProfile); err == nil {
			runtime.GC()
			_ = pprof.WriteHeapProfile(f)
			f.Close()
		}
	}
}
