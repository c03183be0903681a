from .entry import main

if __name__ == "__main__":  # workers spawned on macOS and Windows import this module too
    main()
