# SPDX-License-Identifier: GPL-3.0-or-later
# bash completion for glassbox: the commands, then each command's options as
# its own --help lists them, then file names where an option takes a file.

_glassbox()
{
    local cur prev words cword
    _init_completion -s || return

    # The command's words so far (those before the word being completed, options left out).
    local cmd=() i
    for ((i = 1; i < cword; i++)); do
        [[ ${words[i]} == -* ]] && break
        cmd+=("${words[i]}")
    done

    local objects=''
    case ${#cmd[@]} in
        0)
            if [[ $cur == -* ]]; then
                COMPREPLY=($(compgen -W '--help --version' -- "$cur"))
            else
                COMPREPLY=($(compgen -W 'train render rl sample evaluate help' -- "$cur"))
                COMPREPLY+=($(compgen -f -X '!*.@(safetensors|map|txt|session|lesson|glassbox-lesson)' -- "$cur"))
                compopt -o filenames 2>/dev/null
            fi
            return
            ;;
        1)
            case ${cmd[0]} in
                train) objects='vae diffusion classifier' ;;
                render) objects='latent rl cartpole diffusion' ;;
                sample) objects='diffusion' ;;
                evaluate) objects='vae diffusion' ;;
            esac
            if [[ -n $objects && $cur != -* ]]; then
                COMPREPLY=($(compgen -W "$objects" -- "$cur"))
                return
            fi
            ;;
    esac

    # An option's argument: files for the options that take one, words where the help lists them.
    case $prev in
        --out | -o | --model | -m | --init | --vae | --classifier | --policy | --dump | --csv | --q-npy | --q-csv)
            _filedir
            return
            ;;
        --dataset)
            _filedir -d
            return
            ;;
        --env)
            COMPREPLY=($(compgen -W '4x3 cliff frozenlake4 frozenlake8 maze' -- "$cur"))
            _filedir
            return
            ;;
        --algo)
            COMPREPLY=($(compgen -W 'value-iteration policy-iteration q-learning sarsa expected-sarsa
                                     reinforce actor-critic dqn' -- "$cur"))
            return
            ;;
        --theme)
            COMPREPLY=($(compgen -W 'light dark' -- "$cur"))
            return
            ;;
        --process)
            COMPREPLY=($(compgen -W 'forward reverse' -- "$cur"))
            return
            ;;
        --sampler)
            COMPREPLY=($(compgen -W 'ddpm ddim' -- "$cur"))
            return
            ;;
    esac

    local opts
    opts=$("${words[0]}" "${cmd[@]}" --help 2>/dev/null | sed -n 's/^  \(-[a-zA-Z], \)\{0,1\}\(--[a-zA-Z0-9-]*\).*/\2/p')
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
} &&
    complete -F _glassbox glassbox
