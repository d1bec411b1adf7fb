package preview

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/offermail/offermail/campaign"
	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/lint"
	"github.com/offermail/offermail/recipients"
	"github.com/offermail/offermail/render"
)

// stateJSON is what the page needs to draw its pickers.
type stateJSON struct {
	Version   int            `json:"version"`
	Templates []templateJSON `json:"templates"`
	Profiles  []string       `json:"profiles"`
	// At is the default decision time (RFC 3339), "" for now.
	At       string    `json:"at"`
	Problems []Problem `json:"problems"`
}

type templateJSON struct {
	Name   string `json:"name"`
	Broken bool   `json:"broken"`
}

func (s *Server) handleState(w http.ResponseWriter, _ *http.Request) {
	st := s.current()
	out := stateJSON{Version: st.version, Profiles: st.profileNames, Problems: st.problems}
	if out.Profiles == nil {
		out.Profiles = []string{}
	}
	if out.Problems == nil {
		out.Problems = []Problem{}
	}
	out.Templates = []templateJSON{}
	for _, name := range st.names {
		out.Templates = append(out.Templates, templateJSON{Name: name, Broken: st.templates[name].broken})
	}
	if !s.cfg.At.IsZero() {
		out.At = s.cfg.At.UTC().Format(time.RFC3339)
	}
	writeJSON(w, http.StatusOK, out)
}

// handleProfile returns the text of a profile file, for the page's editor.
// Only names from the profile list are accepted, never paths.
func (s *Server) handleProfile(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("name")
	path, ok := s.current().profiles[name]
	if !ok {
		writeError(w, http.StatusNotFound, "unknown profile %q", name)
		return
	}
	// A profile is one recipient; a bigger file is refused when rendered
	// anyway, so the editor never receives more.
	data, tooBig, err := readProfile(s.cfg.Profiles, path)
	if errors.Is(err, os.ErrNotExist) {
		writeError(w, http.StatusNotFound, "profile %q was removed", name)
		return
	}
	if err != nil || tooBig {
		writeError(w, http.StatusUnprocessableEntity, "profile %q cannot be read or is larger than %d bytes", name, recipients.MaxProfileBytes)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"name": name, "json": string(data)})
}

// renderRequest is what the page asks to see.
type renderRequest struct {
	Template string `json:"template"`
	Profile  string `json:"profile"`
	// ProfileJSON, when set, is the profile as edited in the page; it is
	// used instead of the file and never written back.
	ProfileJSON string `json:"profileJSON"`
	// At is an RFC 3339 decision time; "" for the default.
	At string `json:"at"`
}

// renderResponse is one message as the recipient will receive it, and
// why.
type renderResponse struct {
	Version  int    `json:"version"`
	Template string `json:"template"`
	Profile  string `json:"profile"`
	At       string `json:"at"`
	// Stale: the template does not load as it is now; this is its last
	// good version, and Problems say why.
	Stale     bool   `json:"stale"`
	Rendered  bool   `json:"rendered"`
	Subject   string `json:"subject"`
	Preheader string `json:"preheader"`
	From      string `json:"from"`
	To        string `json:"to"`
	HTML      string `json:"html"`
	// Frame is HTML as the page shows it: images the library keeps local
	// copies of point at them, so the preview works offline.
	Frame     string           `json:"frame"`
	Text      string           `json:"text"`
	EML       string           `json:"eml"`
	Decisions *decide.Decision `json:"decisions"`
	Missing   []missingJSON    `json:"missing"`
	// Lint is what mailpreview lint finds in this message.
	Lint     []lint.Problem `json:"lint"`
	Problems []Problem      `json:"problems"`
}

type missingJSON struct {
	Field string `json:"field"`
	File  string `json:"file"`
	Line  int    `json:"line"`
	Col   int    `json:"col"`
}

// maxRequest bounds a render request: a profile edited in the page is at
// most a profile file.
const maxRequest = recipients.MaxProfileBytes + 64<<10

func (s *Server) handleRender(w http.ResponseWriter, r *http.Request) {
	// A JSON body forces a CORS preflight on any cross-site request, which
	// the server never grants.
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		writeError(w, http.StatusUnsupportedMediaType, "send the request as application/json")
		return
	}
	var req renderRequest
	dec := json.NewDecoder(io.LimitReader(r.Body, maxRequest))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "bad render request: %v", err)
		return
	}
	st := s.current()
	e, ok := st.templates[req.Template]
	if !ok {
		writeError(w, http.StatusNotFound, "unknown template %q", req.Template)
		return
	}
	path, ok := st.profiles[req.Profile]
	if !ok {
		writeError(w, http.StatusNotFound, "unknown profile %q", req.Profile)
		return
	}
	now := s.cfg.At
	if req.At != "" {
		t, err := time.Parse(time.RFC3339, req.At)
		if err != nil {
			writeError(w, http.StatusBadRequest, "decision time %q is not an RFC 3339 time such as 2026-12-02T09:00:00Z", req.At)
			return
		}
		now = t
	} else if now.IsZero() {
		now = s.cfg.Now()
	}
	now = now.UTC()

	out := renderResponse{Version: st.version, Template: req.Template, Profile: req.Profile, At: now.Format(time.RFC3339),
		Stale: e.broken && e.tpl != nil, Missing: []missingJSON{}, Lint: []lint.Problem{}, Problems: st.problemsFor(req.Template)}

	rec, problem := s.recipient(req, path)
	if problem != nil {
		out.Problems = append(out.Problems, problem...)
	}
	if rec == nil || e.tpl == nil || st.project == nil {
		writeJSON(w, http.StatusOK, out)
		return
	}
	opts := campaign.Options{Campaign: s.cfg.Campaign, Seed: s.cfg.Seed, Now: now, Counts: s.cfg.Counts, Trace: true}
	if s.cfg.Stats != nil {
		// A model's window ends with the page's decision time, not the
		// server's start.
		stats, err := s.cfg.Stats(r.Context(), st.project.Library, now)
		if err != nil {
			out.Problems = append(out.Problems, problems(fmt.Errorf("read feedback for learned ranking (decided without it): %w", err), "store")...)
		}
		opts.Stats = stats
	}
	msg, d, err := st.project.Preview(r.Context(), e.tpl, *rec, opts)
	out.Decisions = d
	if err != nil {
		out.Problems = append(out.Problems, problems(err, "render")...)
		writeJSON(w, http.StatusOK, out)
		return
	}
	out.Rendered = true
	out.Subject, out.Preheader, out.From, out.To = msg.Subject, msg.Preheader, msg.From, msg.To
	out.HTML, out.Text = msg.HTML, msg.Text
	out.Frame = st.images.frame(msg.HTML)
	out.Lint = append(out.Lint, lint.Message(st.project, e.tpl, req.Profile, msg, d)...)
	for _, m := range msg.Missing {
		out.Missing = append(out.Missing, missingJSON{m.Field, m.File, m.Line, m.Col})
	}
	var eml bytes.Buffer
	if err := campaign.Encode(&eml, campaign.EML, msg, d, now); err != nil {
		out.Problems = append(out.Problems, problems(err, "render")...)
	}
	out.EML = eml.String()
	writeJSON(w, http.StatusOK, out)
}

// recipient reads the profile from the page's editor or from its file.
func (s *Server) recipient(req renderRequest, path string) (*render.Recipient, []Problem) {
	var rec *recipients.Record
	var err error
	if req.ProfileJSON != "" {
		rec, err = recipients.ParseProfile(req.Profile+".json (edited)", []byte(req.ProfileJSON))
		if err != nil {
			return nil, problems(err, "profile")
		}
	} else {
		var data []byte
		var tooBig bool
		data, tooBig, err = readProfile(s.cfg.Profiles, path)
		if err == nil && tooBig {
			err = fmt.Errorf("%s: the profile is larger than %d bytes", path, recipients.MaxProfileBytes)
		}
		if err == nil {
			rec, err = recipients.ParseProfile(path, data)
		}
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				err = errors.New("profile file " + path + " was removed")
			}
			return nil, problems(err, "profile")
		}
	}
	r := campaign.Recipient(rec)
	return &r, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

func writeError(w http.ResponseWriter, status int, format string, args ...any) {
	writeJSON(w, status, map[string]string{"error": fmt.Sprintf(format, args...)})
}
