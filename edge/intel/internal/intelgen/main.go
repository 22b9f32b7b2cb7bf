// Command intelgen regenerates the compact tables edge/intel embeds: the
// IEEE MAC registry (from Debian's ieee-data) and the service names (from
// Debian netbase's /etc/services). `make intel-data` runs it; the output is
// committed, so builds and tests never need those packages.
//
//	go run ./edge/intel/internal/intelgen -ieee /usr/share/ieee-data -services /etc/services -out edge/intel
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"mimamori/edge/intel/oui"
	"mimamori/edge/intel/services"
)

func main() {
	ieee := flag.String("ieee", "/usr/share/ieee-data", "directory with oui.csv, mam.csv, oui36.csv, iab.csv")
	etcServices := flag.String("services", "/etc/services", "services(5) file")
	out := flag.String("out", "edge/intel", "the edge/intel directory")
	flag.Parse()
	if err := run(*ieee, *etcServices, *out); err != nil {
		fmt.Fprintln(os.Stderr, "intelgen:", err)
		os.Exit(1)
	}
}

func run(ieee, etcServices, out string) error {
	var recs []oui.Record
	// IAB blocks are 36-bit assignments like MA-S; both are kept, the
	// later (MA-S) winning where they overlap.
	for _, name := range []string{"oui.csv", "mam.csv", "iab.csv", "oui36.csv"} {
		f, err := os.Open(filepath.Join(ieee, name))
		if err != nil {
			return err
		}
		rs, err := oui.ReadIEEECSV(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		recs = append(recs, rs...)
	}
	var buf bytes.Buffer
	if err := oui.WriteCompact(&buf, recs); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "oui", "registry.tsv.gz"), buf.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Printf("oui: %d registrations, %d bytes\n", len(recs), buf.Len())

	f, err := os.Open(etcServices)
	if err != nil {
		return err
	}
	ss, err := services.ReadEtcServices(f)
	f.Close()
	if err != nil {
		return err
	}
	buf.Reset()
	if err := services.WriteTSV(&buf, ss); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "services", "iana.tsv"), buf.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Printf("services: %d entries, %d bytes\n", len(ss), buf.Len())
	return nil
}
