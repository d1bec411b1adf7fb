package main

import (
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/vbauerster/mpb/v8"

	"github.com/offermail/offermail/batch"
	"github.com/vbauerster/mpb/v8/decor"
)

// progress draws a bar on a terminal: how far through the recipients file
// the finished work is, the recipients finished, their rate and the ETA.
type progress struct {
	p     *mpb.Progress
	bar   *mpb.Bar
	total int64
	quit  chan struct{}
	done  chan struct{}
}

// startProgress shows a bar on w, or nothing when w is nil.
//
// The number of records is not known without reading the file twice, so
// the bar measures bytes: a recipient finished counts for the average
// bytes of the records read so far. (The reader's position alone runs
// ahead of the work by the batches in flight and its buffer.)
func startProgress(w io.Writer, src *source, run *batch.Runner, started time.Time) *progress {
	if w == nil {
		return nil
	}
	pr := &progress{quit: make(chan struct{}), done: make(chan struct{})}
	// The caller only asks for a bar on a terminal; auto refresh lets it
	// also be drawn into a test's buffer.
	pr.p = mpb.New(mpb.WithOutput(w), mpb.WithAutoRefresh(), mpb.WithWidth(64), mpb.WithRefreshRate(200*time.Millisecond))
	var first atomic.Int64 // bytes done when this attempt's work began, -1 before
	first.Store(-1)
	status := decor.Any(func(st decor.Statistics) string {
		pg := run.Progress()
		n := pg.Done
		elapsed := time.Since(started)
		s := fmt.Sprintf("%d done", pg.Skipped+n)
		if rej := pg.Rejected; rej > 0 {
			s += fmt.Sprintf(", %d rejected", rej)
		}
		s += fmt.Sprintf(", %.0f/s", float64(n)/max(elapsed.Seconds(), 1e-3))
		if f := first.Load(); st.Total > 0 && f >= 0 && st.Current > f {
			left := time.Duration(float64(elapsed) * float64(st.Total-st.Current) / float64(st.Current-f))
			s += ", ETA " + left.Round(time.Second).String()
		}
		return s
	})
	total := max(src.size, 0)
	pr.total = total
	pr.bar = pr.p.AddBar(total, mpb.PrependDecorators(decor.Name("batch "), decor.Percentage(decor.WCSyncSpace)),
		mpb.AppendDecorators(status))
	go func() {
		defer close(pr.done)
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-pr.quit:
				return
			case <-tick.C:
				pg := run.Progress()
				if total == 0 || pg.Read == 0 {
					continue
				}
				finished := pg.Skipped + pg.Done
				cur := min(finished*src.pos.Load()/pg.Read, total-1) // complete only at the end
				if first.Load() < 0 && pg.Done > 0 {
					first.Store(pg.Skipped * src.pos.Load() / pg.Read)
				}
				pr.bar.SetCurrent(cur)
			}
		}
	}()
	return pr
}

// stop completes the bar (ok) or leaves it where the run stopped.
func (pr *progress) stop(ok bool) {
	if pr == nil {
		return
	}
	close(pr.quit)
	<-pr.done
	if ok {
		// A run that ends before the first tick has not moved the bar:
		// complete it at its total, not at where it stands.
		if pr.total > 0 {
			pr.bar.SetCurrent(pr.total)
		}
		pr.bar.SetTotal(-1, true)
	} else {
		pr.bar.Abort(false)
	}
	pr.p.Wait()
}
