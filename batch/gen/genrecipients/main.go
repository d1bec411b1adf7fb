// Command genrecipients writes synthetic recipients (package gen) for
// load tests of `mailpreview batch`.
//
//	go run ./batch/gen/genrecipients -n 200000 -o /tmp/r200k.ndjson
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/offermail/offermail/batch/gen"
)

func main() {
	n := flag.Int("n", 1000, "number of lines")
	out := flag.String("o", "-", "output `FILE`; - for standard output")
	var o gen.Options
	flag.Uint64Var(&o.Seed, "seed", 1, "random seed")
	flag.StringVar(&o.Prefix, "prefix", "r", "id prefix")
	flag.IntVar(&o.BadEvery, "bad-every", 0, "make every N-th line a bad record (0: none)")
	flag.IntVar(&o.OddEvery, "odd-every", 0, "give every N-th recipient an id that needs escaping in file names (0: none)")
	flag.Parse()
	var w io.Writer = os.Stdout
	if *out != "-" {
		f, err := os.Create(*out)
		if err != nil {
			fmt.Fprintln(os.Stderr, "genrecipients:", err)
			os.Exit(1)
		}
		defer f.Close()
		w = f
	}
	if err := gen.Write(w, *n, o); err != nil {
		fmt.Fprintln(os.Stderr, "genrecipients:", err)
		os.Exit(1)
	}
}
