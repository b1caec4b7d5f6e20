# parley-audio: builds build/Release/parley_audio.node against naudiodon's bundled PortAudio
# (headers and libportaudio.so.2), copied next to the .node and found through rpath $ORIGIN.
{
  "variables": {
    "portaudio%": "<(module_root_dir)/../../node_modules/naudiodon/portaudio"
  },
  "targets": [
    {
      "target_name": "parley_audio",
      "sources": ["src/parley_audio.c"],
      "include_dirs": ["<(portaudio)/include"],
      "cflags_c": ["-std=c11", "-O2", "-Wall", "-Wextra"],
      "conditions": [
        ["OS=='linux' and target_arch=='x64'", {
          "libraries": ["<(module_root_dir)/build/Release/libportaudio.so.2", "-lpthread"],
          "ldflags": ["-Wl,-rpath,'$$ORIGIN'"],
          "copies": [{ "destination": "<(module_root_dir)/build/Release/", "files": ["<(portaudio)/bin/libportaudio.so.2"] }]
        }],
        ["OS=='linux' and target_arch=='arm'", {
          "libraries": ["<(module_root_dir)/build/Release/libportaudio.so.2", "-lpthread"],
          "ldflags": ["-Wl,-rpath,'$$ORIGIN'"],
          "copies": [{ "destination": "<(module_root_dir)/build/Release/", "files": ["<(portaudio)/bin_armhf/libportaudio.so.2"] }]
        }]
      ]
    }
  ]
}
