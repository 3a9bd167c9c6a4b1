{
  "targets": [
    {
      "target_name": "glovebox_confine",
      "sources": ["core/native/confine.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"],
      "conditions": [
        ["OS=='mac'", {"libraries": ["-lsandbox"]}],
        ["OS=='win'", {"libraries": ["advapi32.lib"]}]
      ]
    }
  ]
}
