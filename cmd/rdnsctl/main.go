// Command rdnsctl keeps reverse DNS (PTR records) correct at ISP scale.
package main

import (
	"os"

	"github.com/rdnsctl/rdnsctl/cmd"
)

func main() { os.Exit(cmd.Main()) }
