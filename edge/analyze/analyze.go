package analyze

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"mimamori/edge/capture"
	"mimamori/edge/flow"
	"mimamori/edge/intel"
	"mimamori/edge/pipeline"
	"mimamori/edge/wire/wirepb"
)

// Options tune an analysis.
type Options struct {
	// Flow bounds the flow table and sets its timeouts.
	Flow flow.Options
	// Logger receives warnings, such as a file cut short inside a record.
	// Nil means slog.Default().
	Logger *slog.Logger
	// Intel locates the optional reference files of device inference
	// (p0f's database, MAC vendor overrides); zero values use the
	// system paths when the files exist.
	Intel intel.Options
}

// Run analyses files in order, each with a pipeline of its own, and writes
// their records to w. A file that cannot be read does not stop the others;
// the errors are joined and returned at the end. A write error or a
// cancelled context stops at once.
func Run(ctx context.Context, files []string, w io.Writer, opts Options) error {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	e, err := intel.New(opts.Intel)
	if err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	var errs []error
	for _, path := range files {
		err := runFile(ctx, path, w, opts.Flow, e)
		switch {
		case err == nil:
		case errors.Is(err, errWrite), ctx.Err() != nil:
			return err
		case errors.Is(err, capture.ErrShortFile):
			log.Warn("analyze: file ends inside a record; the frames before it were analysed", "file", path)
		default:
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// errWrite marks a failure to write the output, which ends the run.
var errWrite = errors.New("analyze: write")

func runFile(ctx context.Context, path string, w io.Writer, fo flow.Options, e *intel.Engine) error {
	src, err := capture.OpenFile(path)
	if err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	defer src.Close()
	var werr error
	iw := newInventoryWriter(e) // each file is inferred on its own
	p := pipeline.New(pipeline.Options{
		Source: path,
		Flow:   fo,
		OnMinute: func(b *wirepb.Batch) {
			if werr == nil {
				if err := iw.write(w, b); err != nil {
					werr = fmt.Errorf("%w: %w", errWrite, err)
				}
			}
		},
	})
	runErr := pipeline.Run(ctx, src, p)
	if ctx.Err() == nil {
		p.Close() // the last minute, unless we were interrupted
	}
	if werr != nil {
		return werr
	}
	if runErr != nil && !errors.Is(runErr, capture.ErrShortFile) {
		return fmt.Errorf("analyze: %w", runErr)
	}
	return runErr
}
