// Command peerbench runs the cross-process benchmarks of the bench module and
// writes RESULTS.md. It is one binary in several roles:
//
//	peerbench run [flags]      the driver: starts servers and clients as child
//	                           processes, cell by cell, and saves results as JSON
//	peerbench report [flags]   turns the JSON and the go-test benchmark output
//	                           into RESULTS.md
//	peerbench server ...       (child) an echo server of one library
//	peerbench client ...       (child) an echo load of one library's client or
//	                           the common client
//	peerbench idle ...         (child) holds many idle connections open
//
// `make -C bench peers` runs all of it; see README.md of the bench module.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "run":
		err = runDriver(os.Args[2:])
	case "report":
		err = runReport(os.Args[2:])
	case "server":
		err = runServer(os.Args[2:])
	case "client":
		err = runClient(os.Args[2:])
	case "idle":
		err = runIdle(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "peerbench %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: peerbench run|report|server|client|idle [flags]")
	os.Exit(2)
}
