package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"

	"mimamori/edge/analyze"
)

func runAnalyze(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("analyze", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: mimamori analyze FILE...\n\nReads pcap or pcapng files and writes JSON Lines records (flow, device, name, stats) to stdout.\nThe format is documented in docs/ANALYZE.md.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return flag.ErrHelp
	}
	w := bufio.NewWriterSize(stdout, 1<<16)
	if err := analyze.Run(ctx, fs.Args(), w, analyze.Options{}); err != nil {
		w.Flush()
		return err
	}
	return w.Flush()
}
