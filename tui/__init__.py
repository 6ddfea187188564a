"""The caseworker terminal UI (Textual): one queue of inquiries across SMS, email and dialogue.

Only this package imports Textual. It receives its services (store, connectors, recommender, user,
clock) from :func:`tui.factory.build_app`; the CLI and the tests build the app the same way.

    tui/
      services.py      what the app is given (a small dataclass), the Feed protocol
      factory.py       builds the App for the CLI, the demo and the tests
      app.py, app.tcss the App: screens, theme, help, command palette
      messages.py      the Textual messages workers post
      queue_source.py  paging and filtering the queue (no Textual)
      answer.py        sending / recording a reply (no Textual)
      format.py        shared text formatting (no Textual)
      screens/         one screen per file: queue, thread, reply, merge, profile, confirm, help,
                       supervisor (aggregates only)
      widgets/         one widget per file: queue_list and timeline (virtualised, Line API),
                       grouping and profile panels, key_bar
"""
