;;; emacs_driver.el --- run the README's eglot configuration in batch Emacs  -*- lexical-binding: t -*-
;; Loaded after the README's snippet (tests/editors/test_emacs.py writes it to a file): opens the
;; sample file, starts eglot the way `M-x eglot' does, puts point where a function body is missing
;; and asks completion-at-point for candidates until the model is loaded, then writes what it saw
;; as JSON to the file named by UBIQ_EMACS_OUT.
(require 'eglot)
(require 'json)
(let* ((file (getenv "UBIQ_EMACS_FILE"))
       (out (getenv "UBIQ_EMACS_OUT"))
       (line (string-to-number (getenv "UBIQ_EMACS_LINE")))
       (column (string-to-number (getenv "UBIQ_EMACS_COLUMN")))
       (result (list)))
  (find-file file)
  (python-mode)
  (apply #'eglot (eglot--guess-contact))
  (push (cons "server" (plist-get (eglot--server-info (eglot-current-server)) :name)) result)
  (goto-char (point-min))
  (forward-line (1- line))
  (move-to-column (1- column))
  (let ((candidates nil) (tries 0))
    (while (and (not candidates) (< tries 300))
      (setq tries (1+ tries))
      (accept-process-output nil 1)
      (let* ((capf (eglot-completion-at-point))
             (table (nth 2 capf)))
        (setq candidates (and table (all-completions "" table)))))
    (push (cons "candidates" (mapcar #'substring-no-properties candidates)) result)
    (push (cons "tries" tries) result))
  (with-temp-file out (insert (json-encode result)))
  ;; Wait for the reply to shutdown (eglot gives up after 1.5 s, too short on a loaded machine).
  (eglot-shutdown (eglot-current-server) nil 120)
  (kill-emacs 0))
